"""Cepheid's notifications, sent by the real manager flows through the real InstanceNotifier
(oslo.messaging's in-memory ``test`` driver), compared with Nova's samples."""

import contextlib
import json

import pytest
from oslo_messaging.notify import _impl_test
from oslo_serialization import jsonutils

from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import notifications
from cepheid.common import rpc
from cepheid.common import states
from cepheid.compute import actions
from cepheid.compute import api as compute_api
from tests.fixtures import local_stack
from tests.fixtures import nova_samples

CORPUS = nova_samples.Corpus()


def _stack(prefix='nova'):
    stack = local_stack.LocalStack()
    stack.conf.set_override('binary_prefix', prefix)
    stack.conf.set_override('notification_format', 'both', group='notifications')
    stack.conf.set_override('driver', ['test'], group='oslo_messaging_notifications')
    stack.conf.set_override('transport_url', 'fake:/')
    transport = rpc.get_notification_transport(stack.conf)
    stack.manager.notifier = notifications.InstanceNotifier(
        stack.conf, transport, service='cepheid-compute', host=local_stack.HOST)
    _impl_test.reset()
    return stack


def _sent():
    """What went on the bus, as a consumer decodes it (JSON)."""
    messages = []
    for ctxt, message, priority, _retry in _impl_test.NOTIFICATIONS:
        decoded = json.loads(jsonutils.dumps({**message, 'priority': priority}))
        decoded['context'] = json.loads(jsonutils.dumps(ctxt))
        messages.append(decoded)
    return messages


def _versioned(messages):
    return [m for m in messages if m['event_type'].startswith('instance.')]


def _assert_conform(messages, ctx):
    for message in messages:
        if message['event_type'].startswith('compute.'):
            assert nova_samples.compare_legacy(message) == [], message['event_type']
        else:
            assert CORPUS.compare(message) == [], message['event_type']
            data = message['payload']['nova_object.data']
            assert data['request_id'] == ctx.request_id
        assert nova_samples.compare_context(message['context']) == []


def _with_task(stack, instance, task_state, **values):
    return stack.set_task_state(instance['uuid'], task_state) | values


def test_create_start_end_conform():
    stack = _stack()
    row = stack.make_instance(vm_state=states.BUILDING, launched_at=None)
    stack.driver.destroy({'uuid': row['uuid']})
    ctx = stack.context('create', row['uuid'])
    stack.manager.build_and_run_instance(ctx, _with_task(stack, row, states.SPAWNING))
    sent = _sent()
    assert [m['event_type'] for m in sent] == [
        'instance.create.start', 'compute.instance.create.start',
        'instance.create.end', 'compute.instance.create.end']
    _assert_conform(sent, ctx)


def test_reboot_error_carries_the_task_state_in_force_and_conforms():
    stack = _stack()
    row = stack.make_instance()
    ctx = stack.context('reboot', row['uuid'])
    stack.driver.fail('reboot', exception.InstanceRebootFailure(reason='boom'))
    stack.manager.reboot_instance(ctx, _with_task(stack, row, states.REBOOTING_HARD),
                                  reboot_type='HARD')
    sent = _sent()
    _assert_conform(sent, ctx)
    error, = [m for m in sent if m['event_type'] == 'instance.reboot.error']
    data = error['payload']['nova_object.data']
    assert (data['task_state'], data['state']) == ('reboot_started_hard', 'active')
    assert data['fault']['nova_object.data']['exception'] == 'InstanceRebootFailure'
    legacy, = [m for m in sent if m['event_type'] == 'compute.instance.reboot.error']
    assert (legacy['priority'], legacy['payload']['code']) == ('ERROR', 500)
    assert 'boom' in legacy['payload']['message']


def test_delete_end_sets_deleted_and_terminated_at():
    stack = _stack()
    row = stack.make_instance()
    ctx = stack.context('delete', row['uuid'])
    stack.manager.terminate_instance(ctx, _with_task(stack, row, states.DELETING))
    sent = _sent()
    _assert_conform(sent, ctx)
    end, = [m for m in _versioned(sent) if m['event_type'] == 'instance.delete.end']
    data = end['payload']['nova_object.data']
    assert data['deleted_at'] and data['terminated_at']
    assert (data['state'], data['task_state'], data['power_state']) == (
        'deleted', None, 'pending')


@pytest.mark.parametrize('rpc_method,task_state,vm_state,power_state', [
    ('stop_instance', states.POWERING_OFF, states.ACTIVE, states.RUNNING),
    ('start_instance', states.POWERING_ON, states.STOPPED, states.SHUTDOWN),
    ('pause_instance', states.PAUSING, states.ACTIVE, states.RUNNING),
    ('unpause_instance', states.UNPAUSING, states.PAUSED, states.PAUSED_POWER),
    ('suspend_instance', states.SUSPENDING, states.ACTIVE, states.RUNNING),
    ('resume_instance', states.RESUMING, states.SUSPENDED, states.SUSPENDED_POWER),
])
def test_power_actions_conform_and_their_errors_too(rpc_method, task_state, vm_state,
                                                    power_state):
    stack = _stack()
    for fail in (False, True):
        row = stack.make_instance(vm_state=vm_state)
        stack.driver.guests[row['uuid']].power_state = power_state
        ctx = stack.context(rpc_method, row['uuid'])
        if fail:
            stack.driver.fail(actions.POWER_ACTIONS_BY_METHOD[rpc_method].driver_call,
                              exception.VirtDriverError(reason='injected'))
        _impl_test.reset()
        with pytest.raises(exception.VirtDriverError) if fail else contextlib.nullcontext():
            stack.manager.run_power_action(ctx, _with_task(stack, row, task_state),
                                           rpc_method=rpc_method)
        sent = _sent()
        _assert_conform(sent, ctx)
        phases = [m['event_type'].rsplit('.', 1)[1] for m in _versioned(sent)]
        assert phases == (['start', 'error'] if fail else ['start', 'end'])
        if fail:
            data = _versioned(sent)[-1]['payload']['nova_object.data']
            assert data['task_state'] == task_state


def test_lock_payload_and_default_publisher_conform():
    stack = _stack(prefix='cepheid')
    stack.manager.notifier = notifications.InstanceNotifier(
        stack.conf, rpc.get_notification_transport(stack.conf), service='cepheid-api',
        host='api1')
    row = stack.make_instance(locked=True, locked_reason='backup', display_name='Web Srv_1')
    ctx = cep_context.RequestContext(user_id='user', project_id='project')
    stack.manager.notifier.notify(ctx, row, 'lock', legacy=False)
    message, = _sent()
    assert message['publisher_id'] == 'cepheid-api:api1'
    assert message['payload']['nova_object.data']['host_name'] == 'web-srv-1'
    assert CORPUS.compare(message, binary_prefix='cepheid',
                          sample=CORPUS.samples['instance-lock-with-reason']) == []


def test_periodic_task_context_sends_no_request_id():
    payload = notifications.instance_action_payload(
        cep_context.get_admin_context(), local_stack.LocalStack().make_instance())
    assert payload['nova_object.data']['request_id'] is None


def test_format_time_is_novas():
    assert notifications.format_time('2026-12-01T10:36:34.416557') == '2026-12-01T10:36:34Z'
    assert notifications.format_time('2026-12-01T10:36:34+01:00') == '2026-12-01T09:36:34Z'
    assert notifications.format_time(None) is None


def test_context_round_trips_novas_keys():
    ctx = cep_context.RequestContext(user_id='u', project_id='p', user_name='alice',
                                     project_name='demo', remote_address='10.0.0.1')
    values = json.loads(jsonutils.dumps(ctx.to_dict()))
    assert nova_samples.compare_context(values) == []
    back = cep_context.RequestContext.from_dict(values)
    assert (back.user_id, back.project_id, back.user_name, back.project_name,
            back.remote_address, back.timestamp) == (
        'u', 'p', 'alice', 'demo', '10.0.0.1', ctx.timestamp)


BUILT = ('InstanceActionPayload', 'InstanceCreatePayload', 'InstanceActionRebuildPayload',
         'InstanceActionRescuePayload')
BUILDABLE = sorted(stem for stem, s in CORPUS.samples.items()
                   if s['payload']['nova_object.name'] in BUILT)


@pytest.fixture(scope='module')
def row():
    return local_stack.LocalStack().make_instance(locked=True, locked_reason='r')


@pytest.mark.parametrize('stem', BUILDABLE)
def test_payload_builders_give_the_shape_of_every_instance_action_sample(stem, row):
    """Also for actions Cepheid does not run yet: ``payload_for(<action>)`` is ready."""
    sample = CORPUS.samples[stem]
    action = sample['event_type'].split('.')[1]
    ctx = cep_context.RequestContext(user_id='user', project_id='project')
    try:
        raise exception.VirtDriverError(reason='x')
    except exception.VirtDriverError as exc:
        fault = notifications.exception_payload(exc)
    payload = notifications.payload_for(
        action, ctx, row, fault=fault if sample['priority'] == 'ERROR' else None)
    message = {'priority': sample['priority'], 'event_type': sample['event_type'],
               'publisher_id': sample['publisher_id'],
               'payload': json.loads(jsonutils.dumps(payload))}
    assert CORPUS.compare(message, sample=sample) == []


class _HostDownStore:
    def host_is_up(self, host):
        return False

    def delete_local(self, context, instance_uuid):
        self.deleted = instance_uuid


def test_local_delete_sends_delete_start_and_end_from_the_api():
    stack = _stack()
    notifier = notifications.InstanceNotifier(
        stack.conf, rpc.get_notification_transport(stack.conf), service='cepheid-api',
        host='api1')
    store = _HostDownStore()
    row = stack.make_instance()
    ctx = cep_context.RequestContext(user_id='user', project_id='project')
    compute_api.ComputeAPI(store, notifier=notifier).delete(ctx, row)
    assert store.deleted == row['uuid']
    sent = _sent()
    assert [(m['event_type'], m['publisher_id']) for m in sent] == [
        ('instance.delete.start', 'nova-api:api1'),
        ('compute.instance.delete.start', 'compute.api1'),
        ('instance.delete.end', 'nova-api:api1'),
        ('compute.instance.delete.end', 'compute.api1')]
    _assert_conform(sent, ctx)
    start, end = (m['payload']['nova_object.data'] for m in _versioned(sent))
    assert (start['task_state'], end['state']) == ('deleting', 'deleted')
    assert end['deleted_at'] and end['terminated_at']
