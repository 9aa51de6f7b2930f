"""The bench's lean notification listener (bench/lean_tracker.py): it reads a notification
as oslo.messaging's rabbit driver sends it (the 2.0 envelope), hands the Tracker the event
type, payload and send time, acks several messages at once, and a Tracker built on it
wakes the waiter of the request that ended."""

import json
import threading

from bench import lean_tracker
from bench import tracker as bench_tracker
from cepheid.common import lean_publisher
from tests.fixtures import transport_conf

CONTEXT = {'request_id': 'req-1'}


def _conf():
    return transport_conf.conf_for('rabbit://guest:guest@127.0.0.1:5699/')


def _body(event_type, request_id):
    message = {'message_id': 'm-1', 'publisher_id': 'cepheid-compute:h1',
               'event_type': event_type, 'priority': 'INFO',
               'payload': {'nova_object.data': {'uuid': 'u-1', 'request_id': request_id}},
               'timestamp': '2026-12-05 14:00:00.250000'}
    return json.dumps(lean_publisher.envelope(CONTEXT, message)).encode()


class Message:
    def __init__(self):
        self.acks = []

    def ack(self, multiple=False):
        self.acks.append(multiple)


def test_a_notification_is_read_from_the_oslo_envelope():
    event_type, payload, metadata = lean_tracker.decode(_body('instance.reboot.end', 'r1'))
    assert event_type == 'instance.reboot.end'
    assert payload['nova_object.data']['request_id'] == 'r1'
    assert metadata == {'message_id': 'm-1', 'timestamp': '2026-12-05 14:00:00.250000'}


def test_a_tracker_on_the_lean_listener_wakes_the_waiter_of_the_request_that_ended():
    tracker = bench_tracker.Tracker(None, lean_conf=_conf())
    info, error = tracker.listener.consumers
    assert (info.queue.name, error.queue.name) == ('versioned_notifications.info',
                                                   'versioned_notifications.error')
    found = []
    waiter = threading.Thread(target=lambda: found.append(tracker.wait('r2', 10)))
    waiter.start()
    info.on_message(_body('instance.reboot.start', 'r2'), Message())
    error.on_message(_body('instance.reboot.error', 'r2'), Message())
    waiter.join(10)
    [done] = found
    assert (done.event_type, done.uuid, done.ok) == ('instance.reboot.error', 'u-1', False)
    assert abs(done.sent - 1796479200.25) < 1e-3
    assert tracker.received == 2


def test_messages_are_acked_together_once_handed_over():
    seen = []
    consumer = lean_tracker.NotificationConsumer(_conf(), 'versioned_notifications.info',
                                                 lambda *args: seen.append(args[0]))
    messages = [Message() for _ in range(lean_tracker.ACK_EVERY + 3)]
    for message in messages:
        consumer.on_message(_body('instance.reboot.end', 'r'), message)
    # The ACK_EVERY-th message acked all before it; the last three wait for a quiet read.
    assert messages[lean_tracker.ACK_EVERY - 1].acks == [True]
    assert sum(len(m.acks) for m in messages) == 1
    assert consumer.drain_timeout() == lean_tracker.ACK_IDLE
    consumer.after_drain(idle=True)
    assert messages[-1].acks == [True] and consumer.drain_timeout() > lean_tracker.ACK_IDLE
    # A message that is no notification is acked with the rest, handed to nobody.
    consumer.on_message(b'not json', messages[0])
    assert len(seen) == lean_tracker.ACK_EVERY + 3
