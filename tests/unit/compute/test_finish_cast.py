"""The end of a reboot as a cast (conductor 1.12 ``task_end``, api/conductor_end.py):
applied once per event, its end notification sent by the api after the commit, harmless
when duplicated, late or overtaken; the compute's next read of the instance carries the
end, so it never reads the state before it; the failure path keeps the call; a request
re-sent after a lost cast sends the end again instead of rebooting twice; the compute
casts only to an api that advertises 1.12."""

import oslo_messaging
import pytest

from cepheid.api import compute_notices
from cepheid.api.conductor import ConductorEndpoint
from cepheid.api.db import actions as db_actions
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import cast_ends
from cepheid.compute import conductor_rpcapi
from tests.fixtures import local_stack


class HostNotices:
    """The api's HostNotifiers, recording ``(host, event type, instance)``."""

    def __init__(self):
        self.sent, self.request_ids, self.formats = [], [], []

    def notify(self, host, context, instance, action, phase, fmt=None):
        self.sent.append((host, f'instance.{action}.{phase}', instance))
        self.request_ids.append(context.request_id)
        self.formats.append(fmt)


class LostEnds(local_stack.LocalConductor):
    """Ends by cast that never arrive (the cast is lost); the re-send (a call) does."""

    def task_end(self, context, instance_uuid, **kwargs):
        kwargs['expected_task_state'] = list(kwargs['expected_task_state'])
        kwargs['notify'] = list(kwargs['notify'])
        args = dict(instance_uuid=instance_uuid, **kwargs)
        self.ends[instance_uuid] = (context.request_id, args)
        self.unsettled[instance_uuid] = {'context': context.to_dict(), 'args': args}


@pytest.fixture
def notices():
    return HostNotices()


@pytest.fixture
def stack(notices):
    stack = local_stack.LocalStack()
    endpoint = ConductorEndpoint(stack.db, end_notifier=notices)
    stack.endpoint = endpoint
    stack.conductor = stack.manager.conductor = local_stack.LocalConductor(
        endpoint, local_stack.HOST, finish_cast=True)
    return stack


def _requested(stack, reboot_type='SOFT'):
    instance = stack.make_instance()
    instance = stack.set_task_state(instance['uuid'], states.REBOOT_STEPS[reboot_type][0])
    return stack.context('reboot', instance['uuid']), instance


def _soft_reboot_losing_its_end(stack):
    """A soft reboot by a compute whose end casts never arrive."""
    ctx, instance = _requested(stack)
    stack.conductor = stack.manager.conductor = LostEnds(
        stack.endpoint, local_stack.HOST, finish_cast=True)
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    return ctx, instance


def _end_args(stack, instance_uuid):
    return stack.conductor.ends[instance_uuid][1]


def test_reboot_ends_by_cast_with_the_end_notification_from_the_api(stack, notices):
    ctx, instance = _requested(stack)
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ACTIVE, None, states.RUNNING)
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]
    # start from the compute, end from the api (as the compute's publisher) after commit
    assert stack.notifier.event_types() == ['instance.reboot.start']
    [(host, event_type, payload)] = notices.sent
    assert (host, event_type) == (local_stack.HOST, 'instance.reboot.end')
    assert (payload['task_state'], payload['vm_state']) == (None, states.ACTIVE)


def test_a_duplicate_end_changes_nothing_even_when_a_newer_reboot_runs(stack, notices):
    ctx, instance = _requested(stack)
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    # the next reboot was accepted and began: its states are the ones the end expects
    stack.set_task_state(instance['uuid'], states.REBOOT_PENDING)
    again = stack.endpoint.task_end(ctx, host=local_stack.HOST,
                                    **_end_args(stack, instance['uuid']))
    assert again is False
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING
    assert len(notices.sent) == 1


def test_an_end_after_the_watchdog_finished_its_event_is_ignored(stack, notices):
    ctx, instance = _soft_reboot_losing_its_end(stack)
    args = _end_args(stack, instance['uuid'])
    with stack.db.transaction() as session:   # the watchdog ends the task
        db_actions.event_finish_by_id(session, args['event_id'], result='Error')
    stack.set_task_state(instance['uuid'], None)
    stack.set_task_state(instance['uuid'], states.REBOOT_PENDING)   # and a new one began
    assert stack.endpoint.task_end(ctx, host=local_stack.HOST, **args) is False
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING
    assert notices.sent == []


def test_a_hard_reboot_begun_before_the_soft_ones_end_keeps_the_instance(stack, notices):
    ctx, instance = _soft_reboot_losing_its_end(stack)
    # the api accepted a HARD reboot meanwhile and its begin is applied first
    stack.set_task_state(instance['uuid'], states.REBOOTING_HARD)
    hard = stack.context('reboot', instance['uuid'])
    stack.conductor.begin(hard, instance['uuid'], event='compute_reboot_instance',
                          values={'task_state': states.REBOOT_PENDING_HARD},
                          expected_task_state=states.REBOOT_STEPS['HARD'])
    args = _end_args(stack, instance['uuid'])
    assert stack.endpoint.task_end(ctx, host=local_stack.HOST, **args) is True
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING_HARD
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [e['result'] for e in events] == ['Success']


def test_the_next_read_of_the_instance_carries_the_end_still_on_its_way(stack, notices):
    ctx, instance = _soft_reboot_losing_its_end(stack)
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    # e.g. a power-update event queued behind the reboot reads the instance first
    read = stack.conductor.instance_get(stack.context(), instance['uuid'])
    assert (read['task_state'], read['vm_state']) == (None, states.ACTIVE)
    [(_, event_type, _)] = notices.sent
    assert event_type == 'instance.reboot.end' and notices.request_ids == [ctx.request_id]
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [e['result'] for e in events] == ['Success']


def test_a_failed_reboot_keeps_the_call(stack, notices):
    ctx, instance = _requested(stack)
    stack.driver.fail('reboot', exception.InstanceRebootFailure(reason='acpi went away'))
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    assert stack.conductor.ends == {} and notices.sent == []
    assert stack.notifier.event_types() == ['instance.reboot.start', 'instance.reboot.error']
    assert stack.get(instance['uuid'])['task_state'] is None


def test_a_request_re_sent_after_a_lost_end_sends_the_end_again_without_rebooting(
        stack, notices):
    ctx, instance = _soft_reboot_losing_its_end(stack)
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')   # the watchdog's
    assert [c.method for c in stack.driver.calls] == ['reboot']
    assert stack.get(instance['uuid'])['task_state'] is None
    assert [e for _, e, _ in notices.sent] == ['instance.reboot.end']
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [e['result'] for e in events] == ['Success']


def test_ends_ride_in_a_report_batch(stack, notices):
    ctx, instance = _soft_reboot_losing_its_end(stack)
    item = {'method': 'task_end', 'context': ctx.to_dict(),
            'args': _end_args(stack, instance['uuid'])}
    replies = stack.endpoint.report_batch(ctx, host=local_stack.HOST, items=[item, item])
    assert replies == [{'result': True}, {'result': False}]
    assert stack.get(instance['uuid'])['task_state'] is None
    assert len(notices.sent) == 1


@pytest.fixture
def client():
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    return conductor_rpcapi.ConductorAPI(transport, host='h1', finish_cast=True)


@pytest.mark.parametrize('answer, by_cast', [
    (None, False), ({'steps_topic': None}, False), ({'conductor_version': '1.11'}, False),
    ({'conductor_version': '1.12'}, True), ({'conductor_version': '1.13'}, True),
    ({'conductor_version': '2.0'}, False)])
def test_the_compute_casts_its_ends_only_to_an_api_that_advertises_1_12(
        client, answer, by_cast):
    client._topics(answer)
    assert client.ends_by_cast() is by_cast
    client.finish_cast = False
    assert client.ends_by_cast() is False


def test_the_compute_remembers_its_last_cast_end_per_instance(client, monkeypatch):
    sent, called = [], []
    monkeypatch.setattr(client, '_step', lambda ctx, method, version, args, wait: sent.append(
        (method, version, wait)))
    monkeypatch.setattr(client, '_timed_call', lambda ctx, method, version, args, steps:
                        called.append((method, version, args['event_id'])))
    ctx = cep_context.RequestContext(user_id='u', project_id='p')
    client.task_end(ctx, 'i1', event='compute_reboot_instance', event_id=5,
                    values={'task_state': None}, expected_task_state=('a', 'b'),
                    notify=('reboot', 'end'))
    assert sent == [('task_end', '1.12', False)]
    other = cep_context.RequestContext(user_id='u', project_id='p')
    assert client.end_again(other, 'i1') is False and called == []
    assert client.end_again(ctx, 'i1') is True
    assert called == [('task_end', '1.12', 5)]


def test_a_read_carries_the_cast_end_once_and_only_while_it_may_be_on_its_way(
        client, monkeypatch):
    called = []
    monkeypatch.setattr(client, '_step', lambda *args, **kwargs: None)
    monkeypatch.setattr(client, '_timed_call', lambda ctx, method, version, args, steps, **_:
                        called.append((method, version, sorted(args))))
    ctx = cep_context.RequestContext(user_id='u', project_id='p')
    for uuid in ('i1', 'i2'):
        client.task_end(ctx, uuid, event='compute_reboot_instance', event_id=5,
                        values={'task_state': None}, expected_task_state=('a',),
                        notify=('reboot', 'end'))
    client.cast_ends._ends['i2'].sent -= cast_ends.SETTLE_SECONDS + 1
    for uuid in ('i1', 'i1', 'i2', 'i3'):
        client.instance_get(ctx, uuid)
    assert called == [('instance_get', '1.12', ['end', 'instance_uuid']),
                      ('instance_get', '1.1', ['instance_uuid']),
                      ('instance_get', '1.1', ['instance_uuid']),
                      ('instance_get', '1.1', ['instance_uuid'])]


def test_the_end_notification_goes_in_the_computes_format_as_the_compute(client):
    client.notification_format = 'both'
    sent = []
    client._step = lambda ctx, method, version, args, wait: sent.append(args['notify'])
    ctx = cep_context.RequestContext(user_id='u', project_id='p')
    client.task_end(ctx, 'i1', event='compute_reboot_instance', event_id=5,
                    values={'task_state': None}, expected_task_state=('a',),
                    notify=('reboot', 'end'))
    assert sent == [['reboot', 'end', 'both']]
    conf = config.make_conf()
    conf([])        # the api's own format: versioned
    notifiers = compute_notices.HostNotifiers(
        conf, oslo_messaging.get_notification_transport(conf, url='fake:/'))
    both = notifiers.notifier('h1', 'both')
    assert both.publisher_id == 'cepheid-compute:h1'
    assert both.versioned is not None and both.legacy is not None
    assert notifiers.notifier('h1').legacy is None
