"""The lean consumer of the computes' conductor steps: it reads the messages oslo.messaging's
AMQP driver sends, runs the conductor's step, answers a call in the reply format
oslo.messaging's caller reads (a failure rebuilt as the same exception), acks only after
the reply, and runs only for a RabbitMQ transport with ``[api] steps_consumer = lean``."""

import json

import oslo_messaging
import pytest
from oslo_messaging._drivers import amqp as driver_amqp
from oslo_messaging._drivers import common as driver_common

from cepheid.api import conductor
from cepheid.api import conf as api_conf
from cepheid.api import rpc_envelope
from cepheid.api import steps_consumer
from cepheid.api.db import services as db_services
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.common import exception
from cepheid.common import rpc
from cepheid.common import states
from tests.fixtures import local_stack

EVENT = 'compute_reboot_instance'


def _message(ctx, method, args, *, version='1.2', call=True):
    """A message as oslo.messaging's AMQP driver publishes it (amqpdriver._send): the
    context packed into ``_context_*`` keys, a call's ``_msg_id`` and ``_reply_q``, the
    2.0 envelope."""
    msg = {'method': method, 'args': args, 'version': version}
    driver_amqp.pack_context(msg, rpc.RequestContextSerializer().serialize_context(ctx))
    if call:
        msg.update(_msg_id='m-1', _reply_q='reply_abc', _timeout=15)
    driver_amqp._add_unique_id(msg)
    return driver_common.serialize_msg(msg)


def _reply(body):
    """What the caller's ReplyWaiter makes of a reply: ``(result, exception or None)``."""
    msg = driver_common.deserialize_msg(body)
    assert msg['ending'] is True and msg['_msg_id'] == 'm-1'
    failure = msg['failure']
    if failure:
        return None, driver_common.deserialize_remote_exception(failure, rpc.ALLOWED_EXMODS)
    return msg['result'], None


class Channel:
    """A consumer's channel: the deliveries it holds unacked, settled as RabbitMQ settles
    them (an ack with ``multiple`` settles every unacked delivery up to its tag), and the
    acks it sent."""

    def __init__(self):
        self.unacked, self.acks, self.tags = {}, [], 0

    def settle(self, message, multiple):
        if message.delivery_tag not in self.unacked:
            raise RuntimeError(f'delivery {message.delivery_tag} already settled')
        tags = [t for t in self.unacked if t <= message.delivery_tag] if multiple else [
            message.delivery_tag]
        return [self.unacked.pop(tag) for tag in tags]


class Message:
    requeued = False

    def __init__(self, channel=None):
        self.channel = channel or Channel()
        self.channel.tags += 1
        self.delivery_tag = self.channel.tags
        self.channel.unacked[self.delivery_tag] = self
        self.acked = False

    def ack(self, multiple=False):
        self.channel.acks.append((self.delivery_tag, multiple))
        for message in self.channel.settle(self, multiple):
            message.acked = True

    def requeue(self):
        self.channel.settle(self, False)
        self.requeued = True


class Producer:
    """The reply side of the consumer's broker connection: what it published, and whether
    the message was still unacked then."""

    def __init__(self, message):
        self.message, self.published = message, []

    def publish(self, body, *, exchange, routing_key, serializer):
        self.published.append((exchange, routing_key, json.loads(json.dumps(body)),
                               self.message.acked))


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def _conf(url, consumer='lean'):
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', url)
    conf.set_override('steps_consumer', consumer, group='api')
    return conf


def _consume(consumer, body):
    message = Message()
    producer = Producer(message)
    consumer.on_message(body, message, producer)
    assert message.acked
    return producer.published


def _consumer(stack):
    return steps_consumer.StepsConsumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'),
                                        stack.conductor.endpoint)


def _begin_args(uuid, expected):
    return dict(host=local_stack.HOST, instance_uuid=uuid, event=EVENT,
                values={'task_state': states.REBOOT_PENDING}, expected_task_state=expected)


def test_decode_reads_the_envelope_context_and_reply_address(stack):
    ctx = stack.context()
    request = rpc_envelope.decode(_message(ctx, 'begin', {'host': 'h1'}))
    assert (request.method, request.args, request.version) == ('begin', {'host': 'h1'}, '1.2')
    assert (request.msg_id, request.reply_q, request.is_call) == ('m-1', 'reply_abc', True)
    assert request.context['request_id'] == ctx.request_id
    cast = rpc_envelope.decode(json.dumps(_message(ctx, 'task_advance', {}, call=False)))
    assert cast.method == 'task_advance' and not cast.is_call


@pytest.mark.parametrize('body', [
    {'oslo.version': '3.0', 'oslo.message': '{"method": "begin", "args": {}}'},
    {'oslo.version': '2.0', 'oslo.message': '{"args": {}}'},
    {'method': 'begin', 'args': ['not', 'a', 'dict']},
    ['not', 'a', 'message'],
])
def test_decode_refuses_what_is_no_rpc_message(body):
    assert rpc_envelope.decode(body) is None


def test_a_called_begin_runs_and_is_answered_before_its_ack(stack):
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    consumer = _consumer(stack)
    [(exchange, routing_key, body, acked)] = _consume(
        consumer, _message(ctx, 'begin', _begin_args(instance['uuid'], [states.REBOOTING])))
    assert (exchange, routing_key, acked) == ('', 'reply_abc', False)
    result, error = _reply(body)
    assert error is None
    assert result['instance']['task_state'] == states.REBOOT_PENDING
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_PENDING
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [e['event'] for e in events] == [EVENT]
    assert consumer.handled == 1


def test_a_conductor_error_reaches_the_caller_as_the_same_exception(stack):
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    [(_, _, body, _)] = _consume(_consumer(stack), _message(
        ctx, 'begin', _begin_args(instance['uuid'], [states.REBOOTING_HARD])))
    _, error = _reply(body)
    assert isinstance(error, exception.UnexpectedTaskStateError)
    assert error.kwargs['actual'] == states.REBOOTING
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING


def test_a_cast_runs_and_is_acked_without_a_reply(stack):
    instance = stack.make_instance(task_state=states.REBOOT_PENDING)
    ctx = stack.context('reboot', instance['uuid'])
    published = _consume(_consumer(stack), _message(
        ctx, 'task_advance', dict(host=local_stack.HOST, instance_uuid=instance['uuid'],
                                  values={'task_state': states.REBOOT_STARTED},
                                  expected_task_state=[states.REBOOT_PENDING]), call=False))
    assert published == []
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED


@pytest.mark.parametrize('method, version, exc_type', [
    ('instance_destroy', '1.0', 'NoSuchMethod'),     # not a step: the conductor topic's
    ('begin', '2.0', 'UnsupportedVersion'),
    ('begin', '1.99', 'UnsupportedVersion'),
])
def test_what_the_topic_does_not_serve_is_answered_as_the_rpc_server_would(
        stack, method, version, exc_type):
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    [(_, _, body, _)] = _consume(_consumer(stack), _message(
        ctx, method, _begin_args(instance['uuid'], [states.REBOOTING]), version=version))
    _, error = _reply(body)
    assert isinstance(error, oslo_messaging.RemoteError) and error.exc_type == exc_type
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING


def test_a_database_outage_answers_service_unavailable(stack, tmp_path):
    instance = stack.make_instance(task_state=states.REBOOTING)
    ctx = stack.context('reboot', instance['uuid'])
    down = db_session.Database(f'sqlite:///{tmp_path}/missing-dir/db.sqlite')
    consumer = steps_consumer.StepsConsumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'),
                                            conductor.ConductorEndpoint(down))
    [(_, _, body, _)] = _consume(consumer, _message(
        ctx, 'begin', _begin_args(instance['uuid'], [states.REBOOTING])))
    _, error = _reply(body)
    assert isinstance(error, exception.ServiceUnavailable)


def test_a_cast_in_a_database_outage_is_requeued_and_runs_once_the_database_is_back(
        stack, tmp_path, monkeypatch):
    monkeypatch.setattr(steps_consumer, 'OUTAGE_PAUSE', 0.0)
    instance = stack.make_instance(task_state=states.REBOOT_PENDING)
    body = _message(stack.context('reboot', instance['uuid']), 'task_advance', dict(
        host=local_stack.HOST, instance_uuid=instance['uuid'],
        values={'task_state': states.REBOOT_STARTED},
        expected_task_state=[states.REBOOT_PENDING]), call=False)
    down = db_session.Database(f'sqlite:///{tmp_path}/missing-dir/db.sqlite')
    consumer = steps_consumer.StepsConsumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'),
                                            conductor.ConductorEndpoint(down))
    message = Message()
    producer = Producer(message)
    consumer.on_message(body, message, producer)
    assert (message.acked, message.requeued, producer.published) == (False, True, [])
    assert consumer.requeued == 1
    # Redelivered once the database answers: it runs and is acked.
    assert _consume(_consumer(stack), body) == []
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED


def test_the_answer_is_the_one_oslo_messaging_gives_for_the_same_exception():
    exc = exception.UnexpectedTaskStateError(instance_uuid='u', expected=['a'], actual='b')
    ours = json.loads(rpc_envelope.failure(exc))
    theirs = json.loads(driver_common.serialize_remote_exception((type(exc), exc, None)))
    assert ours == theirs


def test_a_called_heartbeat_is_recorded_and_answered_as_the_rpc_server_answers_it(stack):
    endpoint = conductor.ConductorEndpoint(stack.db, heartbeat_topic='cepheid-heartbeat',
                                           steps_topic=steps_consumer.TOPIC)
    consumer = steps_consumer.StepsConsumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'),
                                            endpoint)
    args = dict(host='h1', binary='cepheid-compute', topic='compute')
    [(_, routing_key, body, acked)] = _consume(consumer, _message(
        stack.context(), 'service_heartbeat', args, version='1.3'))
    result, error = _reply(body)
    assert (routing_key, acked, error) == ('reply_abc', False, None)
    assert result == endpoint.service_heartbeat(stack.context(), **args) == {
        'heartbeat_topic': 'cepheid-heartbeat', 'steps_topic': steps_consumer.TOPIC,
        'conductor_version': conductor.VERSION}
    with stack.db.transaction() as session:
        [service] = db_services.service_list(session, host='h1')
    assert (service['binary'], service['report_count']) == ('cepheid-compute', 2)


def test_instances_on_host_answers_the_hosts_instances_as_the_rpc_server_does(stack):
    mine = [stack.make_instance()['uuid'] for _ in range(2)]
    stack.make_instance(host='elsewhere')
    [(_, _, body, _)] = _consume(_consumer(stack), _message(
        stack.context(), 'instances_on_host', {'host': local_stack.HOST}, version='1.0'))
    result, error = _reply(body)
    assert error is None
    assert sorted(i['uuid'] for i in result) == sorted(mine)
    assert result == json.loads(json.dumps(stack.conductor.endpoint.instances_on_host(
        stack.context(), host=local_stack.HOST)))


def test_instances_on_host_in_a_database_outage_answers_service_unavailable(tmp_path):
    down = db_session.Database(f'sqlite:///{tmp_path}/missing-dir/db.sqlite')
    consumer = steps_consumer.StepsConsumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'),
                                            conductor.ConductorEndpoint(down))
    ctx = local_stack.LocalStack().context()
    [(_, _, body, _)] = _consume(consumer, _message(ctx, 'instances_on_host', {'host': 'h'}))
    _, error = _reply(body)
    assert isinstance(error, exception.ServiceUnavailable)


def test_a_message_that_is_no_rpc_message_is_acked_and_dropped(stack):
    consumer = _consumer(stack)
    assert _consume(consumer, b'{not json') == []
    assert (consumer.handled, consumer.dropped) == (0, 1)


@pytest.mark.parametrize('url, setting, usable', [
    ('rabbit://guest:guest@127.0.0.1:5672/v', 'lean', True),
    ('rabbit://guest:guest@127.0.0.1:5672/v', 'rpc', False),
    ('fake://', 'lean', False),
])
def test_usable_only_over_rabbitmq_when_lean(url, setting, usable):
    assert steps_consumer.usable(_conf(url, setting)) is usable


def test_the_conductor_names_the_steps_topic_only_when_it_consumes_it(stack):
    ctx = stack.context()
    lean = conductor.ConductorEndpoint(stack.db, steps_topic=steps_consumer.TOPIC)
    assert lean.service_heartbeat(ctx, host='h1', binary='cepheid-compute',
                                  topic='compute') == {'steps_topic': 'cepheid-api-steps',
                                                       'conductor_version': conductor.VERSION}
    rpc_only = conductor.ConductorEndpoint(stack.db)
    assert rpc_only.service_heartbeat(ctx, host='h1', binary='cepheid-compute',
                                      topic='compute') == {
        'conductor_version': conductor.VERSION}
