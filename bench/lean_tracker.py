"""The bench's notification listener over RabbitMQ: kombu consumers, no oslo.messaging.

The Tracker (bench/tracker.py) has to see every versioned notification the cluster sends,
two per reboot, on the same two cores as the services it measures. Through oslo.messaging's
notification listener each one cost the bench's own process about 0.6 ms of CPU (its poll
loop, an incoming-message object, an executor hand-off, the context's unpacking): at 50
reboots in flight, 1.4 ms per reboot, more than the four computes together. That CPU is the
harness's, not Cepheid's, but it was taken from the machine the services run on.

Here one kombu consumer per priority queue a reboot's notifications can come on
(``<topic>.info``, ``<topic>.error``), each queue declared as oslo.messaging's notifier
declares a topic's default queue (so either may declare it first), takes the message as
the broker sent it (the 2.0 envelope: two ``json.loads``), hands the event type, payload and
timestamp to the Tracker, and acks several at once (``multiple``) once they are handed over.
"""

import json

from cepheid.api import kombu_consumer
from cepheid.common import kombu_transport

PRIORITIES = ('info', 'error')
PREFETCH = 512
ACK_EVERY = 128          # well under PREFETCH, or the broker would stop delivering
ACK_IDLE = 0.02          # with messages unacked, wait this long for more, then ack them


def decode(body):
    """``(event_type, payload, metadata)`` of a notification as oslo.messaging's rabbit
    driver sends it (the 2.0 envelope), with metadata as a listener gets it."""
    message = json.loads(body)
    if 'oslo.message' in message:
        message = json.loads(message['oslo.message'])
    metadata = {'message_id': message.get('message_id'),
                'timestamp': message.get('timestamp')}
    return message.get('event_type'), message.get('payload') or {}, metadata


class NotificationConsumer(kombu_consumer.TopicConsumer):
    """Consumes ``topic`` (a notification queue such as ``versioned_notifications.info``)
    and calls ``record(event_type, payload, metadata)`` for each message."""

    raw = True

    def __init__(self, conf, topic, record):
        self.topic = topic
        self.thread_name = f'bench-notifications-{topic}'
        super().__init__(conf, prefetch=PREFETCH)
        self.queue = kombu_transport.notification_queue(conf, topic)
        self.record = record
        self._unacked = None
        self._unacked_count = 0

    def connected(self):
        self._unacked, self._unacked_count = None, 0   # tags belong to the channel

    def on_message(self, body, message, producer=None):
        try:
            event_type, payload, metadata = decode(body)
        except (ValueError, TypeError, AttributeError):
            event_type = None
        if event_type:
            self.record(event_type, payload, metadata)
        self._unacked = message
        self._unacked_count += 1
        if self._unacked_count >= ACK_EVERY:
            self._ack()

    def drain_timeout(self):
        return ACK_IDLE if self._unacked is not None else kombu_consumer.DRAIN_TIMEOUT

    def after_drain(self, idle):
        if idle and self._unacked is not None:
            self._ack()

    def _ack(self):
        message, self._unacked, self._unacked_count = self._unacked, None, 0
        message.ack(multiple=True)


class LeanListener:
    """What Tracker needs of a listener (``start``, ``stop``, ``wait``), over one
    NotificationConsumer per priority of ``topic``."""

    def __init__(self, conf, topic, record, priorities=PRIORITIES):
        self.consumers = [NotificationConsumer(conf, f'{topic}.{priority}', record)
                          for priority in priorities]

    def start(self):
        for consumer in self.consumers:
            consumer.start()

    def stop(self):
        for consumer in self.consumers:
            consumer.stop()

    def wait(self):
        """Nothing: ``stop`` has joined the threads."""
