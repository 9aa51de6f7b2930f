"""Notifications published lean (common/lean_notifier.py): a notification leaves as the
message oslo.messaging's messagingv2 notifier sends (envelope, context keys redacted as
oslo.messaging redacts them, persistent, routing key ``<topic>.<priority>``) into the
topic's default queue, declared before any consumer; a message the lean publisher
declines goes through oslo.messaging for that topic only; and the lean path is taken only
over RabbitMQ with ``[notifications] publisher = lean`` and the messagingv2 driver. Over
kombu's in-memory broker."""

import json
import uuid

import kombu
import oslo_messaging
import pytest

from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_notifier
from cepheid.common import lean_publisher
from cepheid.common import rpc
from tests.fixtures import transport_conf

RABBIT = 'rabbit://guest:guest@127.0.0.1:5672/'
PUBLISHER_ID = 'cepheid-compute:host-a'
PAYLOAD = {'nova_object.name': 'InstanceActionPayload',
           'nova_object.data': {'uuid': '6f4e9a47-33c5-4d8a-9a0e-2f2f8f6a1b01'}}


def _context():
    return cep_context.RequestContext(user_id='u1', project_id='p1', auth_token='secret',
                                      roles=['member'])


def _taken(channel, queue_name):
    """(the message as oslo.messaging's listener reads it, delivery mode, content type)."""
    message = kombu.Queue(queue_name)(channel).get(no_ack=True)
    assert message is not None, f'nothing in {queue_name}'
    envelope = json.loads(message.body)
    assert envelope['oslo.version'] == '2.0'
    return (json.loads(envelope['oslo.message']), message.properties['delivery_mode'],
            message.content_type)


def _comparable(message):
    """A message without the keys that differ per message: its ids and times (the
    redacted context's copy is stamped when made, by oslo.messaging as by the lean
    path)."""
    return {k: v for k, v in message.items()
            if k not in ('message_id', '_unique_id', 'timestamp', '_context_timestamp')}


@pytest.fixture
def memory():
    """(conf, oslo.messaging transport, a Publisher, a channel) on kombu's in-memory
    broker; each test's topic is its own."""
    conf = transport_conf.conf_for('kombu+memory:////')
    transport = rpc.get_notification_transport(conf)
    publisher = lean_publisher.Publisher(
        ['memory://'], exchange=kombu_transport.topic_exchange(conf), name='test-notify',
        persistent=True, confirm_timeout=5.0)
    with kombu.Connection('memory://') as conn:
        yield conf, transport, publisher, conn.default_channel
    publisher.close()
    transport.cleanup()


def _lean(conf, transport, publisher, topics, retry=-1):
    return lean_notifier.LeanNotifier(conf, publisher, transport, publisher_id=PUBLISHER_ID,
                                      topics=topics, serializer=rpc.RequestContextSerializer(),
                                      retry=retry)


def test_a_lean_notification_is_the_message_oslo_messaging_sends(memory):
    conf, transport, publisher, channel = memory
    topic = f'versioned-{uuid.uuid4().hex[:8]}'
    oslo = oslo_messaging.Notifier(transport, publisher_id=PUBLISHER_ID,
                                   driver='messagingv2', topics=[topic],
                                   serializer=rpc.RequestContextSerializer())
    context = _context()
    oslo.info(context, 'instance.reboot.start', PAYLOAD)
    _lean(conf, transport, publisher, [topic]).info(context, 'instance.reboot.start',
                                                    PAYLOAD)
    sent_by_oslo, mode_oslo, type_oslo = _taken(channel, f'{topic}.info')
    sent_lean, mode_lean, type_lean = _taken(channel, f'{topic}.info')
    assert publisher.published == 1
    assert _comparable(sent_lean) == _comparable(sent_by_oslo)
    assert (mode_lean, type_lean) == (mode_oslo, type_oslo) == (2, 'application/json')
    assert sent_lean['priority'] == 'INFO'
    assert sent_lean['payload'] == PAYLOAD
    assert sent_lean['publisher_id'] == PUBLISHER_ID
    assert sent_lean['_context_user_id'] == 'u1' and '_context_timestamp' in sent_lean
    assert sent_lean['_context_auth_token'] != 'secret'      # redacted, as oslo.messaging
    assert sent_lean['message_id'] != sent_by_oslo['message_id']


def test_an_error_goes_to_the_error_topic_and_the_queue_waits_for_its_consumer(memory):
    conf, transport, publisher, channel = memory
    topic = f'versioned-{uuid.uuid4().hex[:8]}'
    lean = _lean(conf, transport, publisher, [topic])
    lean.error(_context(), 'instance.reboot.error', PAYLOAD)
    lean.error(_context(), 'instance.reboot.error', PAYLOAD)
    # No consumer existed: both wait in the default queue the publisher declared.
    first, _, _ = _taken(channel, f'{topic}.error')
    second, _, _ = _taken(channel, f'{topic}.error')
    assert (first['priority'], first['event_type']) == ('ERROR', 'instance.reboot.error')
    assert first['message_id'] != second['message_id']
    assert kombu.Queue(f'{topic}.info')(channel).get() is None


class DecliningPublisher:
    """Takes the messages of some routing keys and declines the others (all of them
    ``times`` times first)."""

    def __init__(self, declines=(), times=0):
        self.declines, self.times = set(declines), times
        self.sent = []
        self.asked = 0

    def publish_body(self, make_body, *, topic, default_queue=None):
        self.asked += 1
        if topic in self.declines or self.asked <= self.times:
            return False
        self.sent.append((topic, json.loads(make_body()['oslo.message'])))
        return True


class FailingTransport:
    """oslo.messaging's driver send failing ``times`` times (a broker that is down)."""

    def __init__(self, times):
        self.times, self.calls = times, []

    def _send_notification(self, target, ctxt, message, version, retry=None):
        self.calls.append((target.topic, version, retry))
        if len(self.calls) <= self.times:
            raise oslo_messaging.MessageDeliveryFailure('broker down')


def test_a_declined_message_goes_through_oslo_messaging_for_that_topic_only(memory):
    conf, transport, _, channel = memory
    taken, declined = (f't-{uuid.uuid4().hex[:8]}' for _ in range(2))
    publisher = DecliningPublisher({f'{declined}.info'})
    _lean(conf, transport, publisher, [taken, declined]).info(
        _context(), 'instance.lock', PAYLOAD)
    assert [topic for topic, _ in publisher.sent] == [f'{taken}.info']
    through_oslo, _, _ = _taken(channel, f'{declined}.info')
    assert _comparable(through_oslo) == _comparable(publisher.sent[0][1])
    assert kombu.Queue(f'{taken}.info')(channel).get() is None


@pytest.mark.parametrize('why, url, notifications, rabbit, driver', [
    ('publisher = rpc', RABBIT, {'publisher': 'rpc'}, {}, None),
    ('not RabbitMQ', 'fake://', {}, {}, None),
    ('another driver', RABBIT, {}, {}, ['log']),
    ('compressed', RABBIT, {}, {'kombu_compression': 'gzip'}, None),
])
def test_oslo_messaging_sends_when_the_lean_path_cannot(why, url, notifications, rabbit,
                                                          driver):
    conf = transport_conf.conf_for(url, **notifications)
    for name, value in rabbit.items():
        conf.set_override(name, value, group='oslo_messaging_rabbit')
    if driver:
        conf.set_override('driver', driver, group='oslo_messaging_notifications')
    transport = rpc.get_notification_transport(conf)
    try:
        notifier = rpc.get_notifier(conf, transport, PUBLISHER_ID, ['versioned'])
        assert isinstance(notifier, oslo_messaging.Notifier), why
    finally:
        transport.cleanup()


def test_rabbitmq_notifications_are_lean_by_default_on_the_notification_transport():
    conf = transport_conf.conf_for('fake://')
    conf.set_override('transport_url', 'rabbit://guest:guest@127.0.0.1:5699/',
                      group='oslo_messaging_notifications')
    transport = rpc.get_notification_transport(conf)
    try:
        notifier = rpc.get_notifier(conf, transport, PUBLISHER_ID, ['versioned'])
        assert isinstance(notifier, lean_notifier.LeanNotifier)
        # The notification transport's broker, not the RPC one (fake://); nothing is
        # connected before the first message.
        assert notifier._publisher.urls == ['amqp://guest:guest@127.0.0.1:5699/']
        assert notifier._publisher.opened() == []
    finally:
        lean_publisher.close_all()
        transport.cleanup()


def test_what_neither_path_can_send_is_tried_again_until_the_broker_takes_it(
        memory, monkeypatch, caplog):
    conf, _, _, _ = memory
    monkeypatch.setattr(lean_notifier, 'RETRY_INTERVAL', 0.0)
    slept = []
    monkeypatch.setattr(lean_notifier.time, 'sleep', slept.append)
    publisher, transport = DecliningPublisher(times=3), FailingTransport(times=10)
    _lean(conf, transport, publisher, ['versioned']).info(_context(), 'instance.lock',
                                                          PAYLOAD)
    # Three rounds of (lean, oslo.messaging) failed; the fourth lean publish went.
    assert [topic for topic, _ in publisher.sent] == ['versioned.info']
    assert transport.calls == [('versioned.info', 2.0, 0)] * 3
    assert len(slept) == 3
    assert 'trying again until the broker takes it' in caplog.text


def test_with_a_bounded_retry_a_notification_nothing_could_send_is_logged_and_dropped(
        memory, monkeypatch, caplog):
    conf, _, _, _ = memory
    monkeypatch.setattr(lean_notifier.time, 'sleep', lambda seconds: None)
    publisher, transport = DecliningPublisher(times=100), FailingTransport(times=100)
    _lean(conf, transport, publisher, ['versioned'], retry=2).error(
        _context(), 'instance.reboot.error', PAYLOAD)
    assert publisher.sent == [] and len(transport.calls) == 3
    assert 'instance.reboot.error (versioned.error) not sent: broker down' in caplog.text


class BatchPublisher(DecliningPublisher):
    """A DecliningPublisher that also takes batches: ``batches`` has each one's keys."""

    def __init__(self, declines=(), times=0):
        super().__init__(declines, times)
        self.batches = []
        self.order = []         # 'written <topic>', then 'meanwhile', then 'settled'

    def publish_bodies(self, messages, *, meanwhile=None):
        messages = list(messages)
        self.batches.append([topic for _, topic, _ in messages])
        sent = [self.publish_body(make_body, topic=topic, default_queue=queue)
                for make_body, topic, queue in messages]
        self.order.extend(f'written {topic}' for _, topic, _ in messages)
        if meanwhile is not None:
            meanwhile()
        self.order.append('settled')
        return sent


def test_gathered_notifications_leave_together_at_the_end_of_the_block_in_order(memory):
    conf, transport, _, _ = memory
    publisher = BatchPublisher()
    versioned = _lean(conf, transport, publisher, ['versioned'])
    legacy = _lean(conf, transport, publisher, ['legacy'])
    with lean_notifier.gathered():
        versioned.info(_context(), 'instance.reboot.end', PAYLOAD)
        legacy.info(_context(), 'compute.instance.reboot.end', PAYLOAD)
        with lean_notifier.gathered():          # nested: the outer block sends
            versioned.error(_context(), 'instance.reboot.error', PAYLOAD)
        assert publisher.sent == [] and publisher.batches == []
    assert publisher.batches == [['versioned.info', 'legacy.info', 'versioned.error']]
    assert [(topic, message['event_type']) for topic, message in publisher.sent] == [
        ('versioned.info', 'instance.reboot.end'),
        ('legacy.info', 'compute.instance.reboot.end'),
        ('versioned.error', 'instance.reboot.error')]
    # Outside a block a notification leaves at once.
    versioned.info(_context(), 'instance.lock', PAYLOAD)
    assert len(publisher.batches) == 1 and len(publisher.sent) == 4


def test_what_a_gathered_batch_leaves_unsent_goes_through_oslo_messaging(memory):
    conf, transport, _, channel = memory
    taken, declined = (f't-{uuid.uuid4().hex[:8]}' for _ in range(2))
    publisher = BatchPublisher({f'{declined}.info'})
    notifier = _lean(conf, transport, publisher, [taken, declined])
    with lean_notifier.gathered():
        notifier.info(_context(), 'instance.reboot.start', PAYLOAD)
    assert publisher.batches == [[f'{taken}.info', f'{declined}.info']]
    assert [topic for topic, _ in publisher.sent] == [f'{taken}.info']
    through_oslo, _, _ = _taken(channel, f'{declined}.info')
    assert through_oslo['event_type'] == 'instance.reboot.start'
    assert _comparable(through_oslo) == _comparable(publisher.sent[0][1])


def test_gathered_on_a_broker_without_confirm_batches_still_sends_each(memory):
    """kombu's in-memory broker has no publisher confirms: one by one, all delivered."""
    conf, transport, publisher, channel = memory
    topic = f'versioned-{uuid.uuid4().hex[:8]}'
    notifier = _lean(conf, transport, publisher, [topic])
    with lean_notifier.gathered():
        for n in range(3):
            notifier.info(_context(), f'instance.event{n}', PAYLOAD)
    assert publisher.published == 3
    assert [_taken(channel, f'{topic}.info')[0]['event_type'] for _ in range(3)] == [
        'instance.event0', 'instance.event1', 'instance.event2']


def test_meanwhile_runs_once_between_the_writes_and_the_wait_for_their_confirms(memory):
    conf, transport, _, channel = memory
    taken, declined = (f't-{uuid.uuid4().hex[:8]}' for _ in range(2))
    publisher = BatchPublisher({f'{declined}.info'})
    notifier = _lean(conf, transport, publisher, [taken, declined])
    send_alone = notifier._send

    def send_through_oslo(key, context, message):
        publisher.order.append(f'alone {key}')
        send_alone(key, context, message)

    notifier._send = send_through_oslo
    with lean_notifier.gathered(meanwhile=lambda: publisher.order.append('meanwhile')):
        notifier.info(_context(), 'instance.reboot.start', PAYLOAD)
        assert publisher.order == []             # held until the block ends
    # what the lean connection declined goes through oslo.messaging after it all
    assert publisher.order == [f'written {taken}.info', f'written {declined}.info',
                               'meanwhile', 'settled', f'alone {declined}.info']
    assert _taken(channel, f'{declined}.info')[0]['event_type'] == 'instance.reboot.start'


def test_meanwhile_runs_at_the_end_of_a_block_that_held_nothing_or_is_nested(memory):
    conf, transport, _, _ = memory
    publisher = BatchPublisher()
    notifier = _lean(conf, transport, publisher, ['versioned'])
    calls = []
    with lean_notifier.gathered(meanwhile=lambda: calls.append('empty')):
        pass
    assert calls == ['empty'] and publisher.batches == []
    with lean_notifier.gathered(meanwhile=lambda: publisher.order.append('outer')):
        notifier.info(_context(), 'instance.reboot.start', PAYLOAD)
        with lean_notifier.gathered(meanwhile=lambda: publisher.order.append('inner')):
            notifier.info(_context(), 'instance.reboot.end', PAYLOAD)
        assert publisher.order == ['inner']      # the outer block sends
    assert publisher.order == ['inner', 'written versioned.info', 'written versioned.info',
                               'outer', 'settled']


def test_what_meanwhile_raises_comes_after_every_notification_is_sent(memory):
    conf, transport, _, channel = memory
    declined = f't-{uuid.uuid4().hex[:8]}'
    publisher = BatchPublisher({f'{declined}.info'})
    notifier = _lean(conf, transport, publisher, [declined])

    def meanwhile():
        raise RuntimeError('database gone')

    with pytest.raises(RuntimeError, match='database gone'):
        with lean_notifier.gathered(meanwhile=meanwhile):
            notifier.info(_context(), 'instance.reboot.start', PAYLOAD)
    # declined by the lean publisher: sent through oslo.messaging all the same
    assert _taken(channel, f'{declined}.info')[0]['event_type'] == 'instance.reboot.start'
