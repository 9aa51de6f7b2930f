"""Rebuild, rescue, unrescue and trigger_crash_dump notifications, sent by the real manager
flows, compared with Nova's samples (instance-rebuild-*, instance-rescue-*, ...)."""

from oslo_messaging.notify import _impl_test

from cepheid.common import exception
from cepheid.common import states
from tests.unit.common.test_notifications import CORPUS
from tests.unit.common.test_notifications import _assert_conform
from tests.unit.common.test_notifications import _sent
from tests.unit.common.test_notifications import _stack
from tests.unit.common.test_notifications import _versioned
from tests.unit.common.test_notifications import _with_task


def _types(sent):
    return [m['event_type'] for m in sent]


def test_rebuild_start_end_conform_and_carry_the_new_image():
    stack = _stack()
    row = stack.make_instance(image_ref='image-b')
    ctx = stack.context('rebuild', row['uuid'])
    stack.manager.rebuild_instance(ctx, _with_task(stack, row, states.REBUILDING))
    sent = _sent()
    assert _types(sent) == ['instance.rebuild.start', 'compute.instance.rebuild.start',
                            'instance.rebuild.end', 'compute.instance.rebuild.end']
    _assert_conform(sent, ctx)
    start, end = (m['payload']['nova_object.data'] for m in _versioned(sent))
    assert (start['task_state'], end['task_state'], end['image_uuid']) == (
        'rebuilding', None, 'image-b')
    assert stack.get(row['uuid'])['vm_state'] == states.ACTIVE


def test_rebuild_error_conforms_and_errors_the_instance_out():
    stack = _stack()
    row = stack.make_instance()
    ctx = stack.context('rebuild', row['uuid'])
    stack.driver.fail('spawn', exception.InstanceSpawnFailure(reason='boom'))
    stack.manager.rebuild_instance(ctx, _with_task(stack, row, states.REBUILDING))
    sent = _sent()
    _assert_conform(sent, ctx)
    error, = [m for m in sent if m['event_type'] == 'instance.rebuild.error']
    assert error['priority'] == 'ERROR'
    assert CORPUS.compare(error, sample=CORPUS.samples['instance-rebuild-error']) == []
    assert stack.get(row['uuid'])['vm_state'] == states.ERROR


def test_rescue_and_unrescue_conform():
    stack = _stack()
    row = stack.make_instance(image_ref='image-a')
    ctx = stack.context('rescue', row['uuid'])
    stack.manager.run_power_action(ctx, _with_task(stack, row, states.RESCUING),
                                   rpc_method='rescue_instance',
                                   rescue_image_ref='image-b', rescue_password='pw')
    sent = _sent()
    assert _types(_versioned(sent)) == ['instance.rescue.start', 'instance.rescue.end']
    _assert_conform(sent, ctx)
    end = _versioned(sent)[-1]['payload']['nova_object.data']
    assert (end['state'], end['rescue_image_ref']) == ('rescued', 'image-b')

    _impl_test.reset()
    ctx = stack.context('unrescue', row['uuid'])
    stack.manager.run_power_action(ctx, _with_task(stack, row, states.UNRESCUING),
                                   rpc_method='unrescue_instance')
    sent = _sent()
    assert _types(_versioned(sent)) == ['instance.unrescue.start', 'instance.unrescue.end']
    _assert_conform(sent, ctx)
    assert stack.get(row['uuid'])['vm_state'] == states.ACTIVE


def test_trigger_crash_dump_conforms_and_leaves_the_states():
    stack = _stack()
    row = stack.make_instance()
    ctx = stack.context('trigger_crash_dump', row['uuid'])
    stack.manager.run_power_action(ctx, row, rpc_method='trigger_crash_dump')
    sent = _sent()
    assert _types(_versioned(sent)) == ['instance.trigger_crash_dump.start',
                                        'instance.trigger_crash_dump.end']
    _assert_conform(sent, ctx)
    after = stack.get(row['uuid'])
    assert (after['vm_state'], after['task_state']) == (states.ACTIVE, None)
    assert stack.driver.guests[row['uuid']].crash_dumps == 1
