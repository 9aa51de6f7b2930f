"""Group commit across computes on the steps consumer: the step messages a consumer thread
was delivered at once run in one transaction, each with its own answer (a miss answers
only its own call), acked after their replies by one ack; a message alone, a message of another
kind and a database outage run as before."""

import pytest

from cepheid.api import conductor
from cepheid.api import kombu_consumer
from cepheid.api import steps_consumer
from cepheid.api.db import core_session
from cepheid.api.db import session as db_session
from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import local_stack
from tests.unit.api.test_steps_consumer import EVENT
from tests.unit.api.test_steps_consumer import Channel
from tests.unit.api.test_steps_consumer import Message
from tests.unit.api.test_steps_consumer import Producer
from tests.unit.api.test_steps_consumer import _begin_args
from tests.unit.api.test_steps_consumer import _conf
from tests.unit.api.test_steps_consumer import _message
from tests.unit.api.test_steps_consumer import _reply

URL = 'rabbit://guest:guest@127.0.0.1:5672/'


@pytest.fixture
def stack():
    return local_stack.LocalStack()


class Held:
    """A consumer thread on its connection: messages delivered one by one, then the wait
    for more times out (``drained``)."""

    def __init__(self, endpoint, *, prefetch=8):
        self.consumer = steps_consumer.StepsConsumer(_conf(URL), endpoint, prefetch=prefetch)
        self.consumer.connected()
        self.delivered = []
        self.channel = Channel()

    def deliver(self, body):
        message = Message(self.channel)
        producer = Producer(message)
        self.consumer.on_message(body, message, producer)
        self.delivered.append((message, producer))
        return message, producer

    def drained(self):
        self.consumer.after_drain(True)


def _commits(stack):
    """The conductor's transactions committed from now on (the test's own reads aside)."""
    commits = []
    stack.db.on_commit(lambda session: commits.append(session)
                       if isinstance(session, core_session.CoreSession) else None)
    return commits


def _advance(ctx, uuid, host=local_stack.HOST):
    return _message(ctx, 'task_advance', dict(
        host=host, instance_uuid=uuid, values={'task_state': states.REBOOT_STARTED},
        expected_task_state=[states.REBOOT_PENDING]), call=False)


def test_steps_of_two_hosts_delivered_together_share_one_transaction(stack):
    first = stack.make_instance(task_state=states.REBOOTING)
    other = stack.make_instance(host='host-2', task_state=states.REBOOT_PENDING)
    ctx_first = stack.context('reboot', first['uuid'])
    ctx_other = stack.context('reboot', other['uuid'])
    held = Held(stack.conductor.endpoint)
    commits = _commits(stack)

    call, call_producer = held.deliver(_message(
        ctx_first, 'begin', _begin_args(first['uuid'], [states.REBOOTING])))
    cast, cast_producer = held.deliver(_advance(ctx_other, other['uuid'], host='host-2'))
    assert held.consumer.drain_timeout() == 0           # held: take only what is there
    assert (call.acked, cast.acked, commits) == (False, False, [])
    assert stack.get(first['uuid'])['task_state'] == states.REBOOTING

    held.drained()
    assert len(commits) == 1
    [(exchange, routing_key, body, acked_then)] = call_producer.published
    assert (exchange, routing_key, acked_then) == ('', 'reply_abc', False)
    result, error = _reply(body)
    assert error is None and result['instance']['task_state'] == states.REBOOT_PENDING
    assert (call.acked, cast.acked, cast_producer.published) == (True, True, [])
    assert held.channel.acks == [(cast.delivery_tag, True)]   # one ack settles both
    assert stack.get(first['uuid'])['task_state'] == states.REBOOT_PENDING
    assert stack.get(other['uuid'])['task_state'] == states.REBOOT_STARTED
    _, events = stack.events(first['uuid'], ctx_first.request_id)
    assert [e['event'] for e in events] == [EVENT]
    assert (held.consumer.gathered, held.consumer.handled) == (2, 2)
    assert held.consumer.drain_timeout() == kombu_consumer.DRAIN_TIMEOUT


def test_a_miss_answers_only_its_own_call(stack):
    lost = stack.make_instance(task_state=states.REBOOTING)
    won = stack.make_instance(host='host-2', task_state=states.REBOOTING)
    held = Held(stack.conductor.endpoint)
    _, lost_producer = held.deliver(_message(
        stack.context('reboot', lost['uuid']), 'begin',
        _begin_args(lost['uuid'], [states.REBOOTING_HARD])))
    _, won_producer = held.deliver(_message(
        stack.context('reboot', won['uuid']), 'begin',
        dict(_begin_args(won['uuid'], [states.REBOOTING]), host='host-2')))
    held.drained()
    _, error = _reply(lost_producer.published[0][2])
    assert isinstance(error, exception.UnexpectedTaskStateError)
    assert error.kwargs['actual'] == states.REBOOTING
    result, error = _reply(won_producer.published[0][2])
    assert error is None and result['instance']['task_state'] == states.REBOOT_PENDING
    assert stack.get(lost['uuid'])['task_state'] == states.REBOOTING
    assert stack.get(won['uuid'])['task_state'] == states.REBOOT_PENDING


def test_one_instances_steps_keep_their_order_and_a_compute_batch_gets_its_list(stack):
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    held = Held(stack.conductor.endpoint)
    _, begin_producer = held.deliver(_message(
        ctx, 'begin', _begin_args(instance['uuid'], [states.REBOOTING])))
    batch = {'host': local_stack.HOST, 'items': [{
        'method': 'task_update', 'context': ctx.to_dict(),
        'args': {'instance_uuid': instance['uuid'],
                 'values': {'task_state': states.REBOOT_STARTED},
                 'expected_task_state': [states.REBOOT_PENDING]}}]}
    _, batch_producer = held.deliver(_message(ctx, 'report_batch', batch, version='1.4'))
    held.drained()
    assert _reply(begin_producer.published[0][2])[1] is None
    [reply], error = _reply(batch_producer.published[0][2])
    assert error is None
    assert reply['result']['task_state'] == states.REBOOT_STARTED
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED


def test_a_message_alone_and_one_of_another_kind_run_as_before(stack):
    instance = stack.make_instance(task_state=states.REBOOT_PENDING)
    ctx = stack.context('reboot', instance['uuid'])
    held = Held(stack.conductor.endpoint)
    cast, _ = held.deliver(_advance(ctx, instance['uuid']))
    # A message that is no step runs what is held first, then itself.
    call, producer = held.deliver(_message(ctx, 'instances_on_host',
                                           {'host': local_stack.HOST}, version='1.0'))
    assert (cast.acked, call.acked) == (True, True)
    assert _reply(producer.published[0][2])[1] is None
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    assert (held.consumer.gathered, held.consumer.handled) == (0, 2)


def test_the_prefetch_reached_runs_what_is_held_at_once(stack):
    instances = [stack.make_instance(task_state=states.REBOOT_PENDING) for _ in range(3)]
    held = Held(stack.conductor.endpoint, prefetch=3)
    commits = _commits(stack)
    for instance in instances:
        held.deliver(_advance(stack.context('reboot', instance['uuid']), instance['uuid']))
    assert len(commits) == 1 and all(m.acked for m, _ in held.delivered)
    assert {stack.get(i['uuid'])['task_state'] for i in instances} == {states.REBOOT_STARTED}


def test_in_a_database_outage_held_casts_are_requeued_and_calls_answered_503(
        stack, tmp_path, monkeypatch):
    monkeypatch.setattr(steps_consumer, 'OUTAGE_PAUSE', 0.0)
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    down = db_session.Database(f'sqlite:///{tmp_path}/missing-dir/db.sqlite')
    held = Held(conductor.ConductorEndpoint(down))
    call, producer = held.deliver(_message(
        ctx, 'begin', _begin_args(instance['uuid'], [states.REBOOTING])))
    cast, _ = held.deliver(_advance(ctx, instance['uuid']))
    held.drained()
    _, error = _reply(producer.published[0][2])
    assert isinstance(error, exception.ServiceUnavailable)
    assert (call.acked, cast.acked, cast.requeued) == (True, False, True)
    assert held.channel.acks == [(call.delivery_tag, True)] and not held.channel.unacked
    assert (held.consumer.requeued, held.consumer.gathered) == (1, 0)
