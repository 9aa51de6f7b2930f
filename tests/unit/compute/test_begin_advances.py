"""A reboot's begin carrying its next step (conductor 1.14, api/conductor_advance.py):
the api commits reboot_pending, then sends instance.reboot.start as the compute (in the
thread that committed the begin) and commits reboot_started, and only then answers; alone or in a
batch; a begin that misses does neither; a step that misses or that the database refuses
is dropped without failing the begin; a malformed one is refused before anything is
saved; the compute asks only an api that advertises 1.14, and sends nothing itself
between its begin and its end."""

import logging
import threading

import oslo_messaging
import pytest
from sqlalchemy import exc as sa_exc

from cepheid.api.conductor import ConductorEndpoint
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import conductor_rpcapi
from tests.fixtures import local_stack

SOFT = states.REBOOT_STEPS['SOFT']


class HostNotices:
    """The api's HostNotifiers: records each notification, the thread it was sent from
    and the instance's saved task_state at that moment."""

    def __init__(self, stack):
        self.stack, self.sent, self.threads, self.saved = stack, [], [], []

    def notify(self, host, context, instance, action, phase, fmt=None):
        self.threads.append(threading.current_thread().name)
        self.saved.append(self.stack.get(instance['uuid'])['task_state'])
        self.sent.append((host, f'instance.{action}.{phase}', instance['task_state'], fmt,
                          context.request_id))


@pytest.fixture
def stack():
    stack = local_stack.LocalStack()
    stack.notices = HostNotices(stack)
    stack.endpoint = ConductorEndpoint(stack.db, end_notifier=stack.notices)
    stack.conductor = stack.manager.conductor = local_stack.LocalConductor(
        stack.endpoint, local_stack.HOST, finish_cast=True, begin_advances=True)
    return stack


def _requested(stack, reboot_type='SOFT'):
    instance = stack.make_instance()
    instance = stack.set_task_state(instance['uuid'], states.REBOOT_STEPS[reboot_type][0])
    return stack.context('reboot', instance['uuid']), instance


def _begin_args(instance, *, advance_from=(states.REBOOT_PENDING,)):
    return dict(instance_uuid=instance['uuid'], event='compute_reboot_instance',
                values={'task_state': states.REBOOT_PENDING, 'power_state': states.RUNNING},
                expected_task_state=list(SOFT),
                advance={'values': {'task_state': states.REBOOT_STARTED,
                                    'power_state': states.RUNNING},
                         'expected_task_state': list(advance_from)},
                notify=['reboot', 'start', 'both'])


def test_the_api_saves_pending_then_notifies_start_and_saves_started_before_answering(
        stack):
    ctx, instance = _requested(stack)
    reply = stack.endpoint.begin(ctx, host=local_stack.HOST, **_begin_args(instance))
    assert reply['event_id'] is not None
    assert reply['instance']['task_state'] == states.REBOOT_PENDING
    # sent (in this thread, once pending was saved and before started was: a notifier
    # that is not lean sends at once) before the answer, as the compute, in its format,
    # with the pending state the begin saved; started saved before the answer too
    assert stack.notices.sent == [
        (local_stack.HOST, 'instance.reboot.start', states.REBOOT_PENDING, 'both',
         ctx.request_id)]
    assert stack.notices.threads == [threading.current_thread().name]
    assert stack.notices.saved == [states.REBOOT_PENDING]
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [('compute_reboot_instance', None)]


def test_begins_in_one_batch_each_advance_and_notify(stack):
    items = []
    for _ in range(2):
        ctx, instance = _requested(stack)
        items.append((ctx, instance))
    replies = stack.endpoint.report_batch(items[0][0], host=local_stack.HOST, items=[
        {'method': 'begin', 'context': ctx.to_dict(), 'args': _begin_args(instance)}
        for ctx, instance in items])
    assert all('result' in reply for reply in replies)
    assert [sent[1:3] for sent in stack.notices.sent] == [
        ('instance.reboot.start', states.REBOOT_PENDING)] * 2
    assert {sent[4] for sent in stack.notices.sent} == {ctx.request_id for ctx, _ in items}
    for _, instance in items:
        assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED


def test_a_begin_that_misses_neither_notifies_nor_advances(stack):
    ctx, instance = _requested(stack)
    stack.set_task_state(instance['uuid'], states.REBUILDING)
    with pytest.raises(exception.UnexpectedTaskStateError):
        stack.endpoint.begin(ctx, host=local_stack.HOST, **_begin_args(instance))
    assert stack.notices.sent == []
    assert stack.get(instance['uuid'])['task_state'] == states.REBUILDING


def test_a_step_that_misses_is_dropped_and_the_begin_still_answers(stack):
    ctx, instance = _requested(stack)
    reply = stack.endpoint.begin(ctx, host=local_stack.HOST,
                                 **_begin_args(instance, advance_from=[states.REBUILDING]))
    assert reply['instance']['task_state'] == states.REBOOT_PENDING
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING
    assert [sent[1] for sent in stack.notices.sent] == ['instance.reboot.start']


def test_a_step_the_database_refuses_is_logged_and_the_begin_still_answers(
        stack, monkeypatch, caplog):
    ctx, instance = _requested(stack)

    def unavailable(*args):
        raise sa_exc.OperationalError('UPDATE', {}, Exception('server closed the connection'))

    monkeypatch.setattr(stack.endpoint, '_advance_in', unavailable)
    with caplog.at_level(logging.WARNING):
        reply = stack.endpoint.begin(ctx, host=local_stack.HOST, **_begin_args(instance))
    assert reply['instance']['task_state'] == states.REBOOT_PENDING
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING
    assert 'database unavailable' in caplog.text


@pytest.mark.parametrize('advance', [
    'started', {'values': {'task_state': 'x'}}, {'values': {}, 'expected_task_state': 'x'},
    {'values': {'host': 'elsewhere'}, 'expected_task_state': []}])
def test_a_malformed_step_is_refused_before_anything_is_saved(stack, advance):
    ctx, instance = _requested(stack)
    args = dict(_begin_args(instance), advance=advance)
    with pytest.raises(exception.InvalidRPCPayload):
        stack.endpoint.begin(ctx, host=local_stack.HOST, **args)
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert events == []
    assert stack.notices.sent == []


@pytest.mark.parametrize('reboot_type', ['SOFT', 'HARD'])
def test_a_reboot_sends_nothing_between_its_begin_and_its_end(stack, reboot_type):
    ctx, instance = _requested(stack, reboot_type)
    requested, pending, started = states.REBOOT_STEPS[reboot_type]
    seen = []
    reboot = stack.driver.reboot

    def watching(guest, kind):
        seen.append(stack.get(guest['uuid'])['task_state'])
        return reboot(guest, kind)

    stack.driver.reboot = watching
    stack.manager.reboot_instance(ctx, instance, reboot_type=reboot_type)
    assert seen == [started]              # saved before the guest was touched
    assert stack.notifier.event_types() == []          # the compute sent none itself
    assert [(sent[1], sent[2]) for sent in stack.notices.sent] == [
        ('instance.reboot.start', pending), ('instance.reboot.end', None)]
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ACTIVE, None, states.RUNNING)


@pytest.fixture
def client():
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    return conductor_rpcapi.ConductorAPI(transport, host='h1', begin_advances=True,
                                         notification_format='unversioned')


def _begin_advancing(client):
    """A reboot's begin, carrying its step, through ``client``."""
    ctx = cep_context.RequestContext(user_id='u', project_id='p')
    return client.begin_advancing(
        ctx, 'i1', event='e', values={'task_state': states.REBOOT_PENDING},
        expected_task_state=SOFT, advance={'task_state': states.REBOOT_STARTED},
        expected_by_advance=[states.REBOOT_PENDING], notify=('reboot', 'start'))


@pytest.mark.parametrize('version, carried', [
    (None, False), ('1.13', False), ('1.14', True), ('1.15', True), ('2.0', False)])
def test_the_compute_asks_only_an_api_that_advertises_1_14(client, monkeypatch, version,
                                                             carried):
    sent = []

    def step(ctx, method, version, args, wait=True):
        sent.append((method, version, args))
        return {'instance': {'uuid': 'i1'}, 'event_id': 7}

    monkeypatch.setattr(client, '_step', step)
    client._topics({'conductor_version': version} if version else None)
    got = _begin_advancing(client)
    assert got == ({'uuid': 'i1'}, 7, carried)
    [(method, version_sent, args)] = sent
    assert method == 'begin'
    if carried:
        assert version_sent == '1.14'
        assert args['advance'] == {'values': {'task_state': states.REBOOT_STARTED},
                                   'expected_task_state': [states.REBOOT_PENDING]}
        assert args['notify'] == ['reboot', 'start', 'unversioned']
    else:
        assert version_sent == '1.2' and 'advance' not in args


def test_the_option_off_keeps_the_begin_alone(client, monkeypatch):
    client.begin_advances = False
    sent = []
    monkeypatch.setattr(client, '_step', lambda ctx, method, version, args, wait=True: (
        sent.append((method, version, args)) or {'instance': {}, 'event_id': 1}))
    client._topics({'conductor_version': '1.14'})
    assert _begin_advancing(client)[2] is False
    assert 'advance' not in sent[0][2]


def test_a_notification_that_fails_is_logged_and_the_step_still_saved(stack, caplog):
    ctx, instance = _requested(stack)

    def broken(*args):
        raise ValueError('payload')

    stack.notices.notify = broken
    reply = stack.endpoint.begin(ctx, host=local_stack.HOST, **_begin_args(instance))
    assert reply['instance']['task_state'] == states.REBOOT_PENDING
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    assert 'instance.reboot.start of %s not sent' % instance['uuid'] in caplog.text


def test_an_older_api_process_that_refuses_it_gets_the_begin_alone(client, monkeypatch):
    sent = []

    def step(ctx, method, version, args, wait=True):
        sent.append((method, version, 'advance' in args))
        if 'advance' in args:
            raise oslo_messaging.RemoteError('UnsupportedVersion', 'Endpoint does not '
                                             'support RPC version 1.14')
        return {'instance': {'uuid': 'i1'}, 'event_id': 3}

    monkeypatch.setattr(client, '_step', step)
    client._topics({'conductor_version': '1.14'})
    got = _begin_advancing(client)
    assert got == ({'uuid': 'i1'}, 3, False)
    assert sent == [('begin', '1.14', True), ('begin', '1.2', False)]
