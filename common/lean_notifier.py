"""Notifications published lean: the message oslo.messaging's ``messagingv2`` notifier
sends, from a lean publisher's connection (common/lean_publisher.py).

oslo.messaging's notify of a reboot's notification costs ~0.46 ms of CPU here (the
notifier's driver manager, the driver's connection pool, kombu's ``ensure``), a lean
publish of the same message ~0.35 ms; both wait ~1.1 ms, mostly for the broker's confirm
of a persistent message in a durable queue. The api sends two notifications per reboot.

What a consumer receives is what oslo.messaging sends: the 2.0 envelope around the
message (``message_id``, ``publisher_id``, ``event_type``, ``priority``, ``payload``,
``timestamp``, the redacted context's ``_context_*`` keys, ``_unique_id``), persistent, on
``control_exchange`` with routing key ``<topic>.<priority>``; the topic's default queue is
declared first, with oslo.messaging's arguments, so that nothing is lost before a
consumer comes.

A message the lean connection cannot send (or whose confirm does not come) goes through
oslo.messaging's driver for that topic instead. When that fails too (the broker is
down: oslo.messaging's notifier gives up at once when it has no connection yet, and a
lean process never gave it one), both are tried again, backing off, as
``[oslo_messaging_notifications] retry`` says (-1, the default: until the broker is
back, as an oslo.messaging notifier whose connection was lost waits). A lost confirm may
mean the broker had the message, so a consumer may, rarely, see a notification twice, as
after oslo.messaging's own retry of a lost confirm.

``with gathered():`` holds back what the thread's LeanNotifiers send until the block ends,
then publishes it in the same order on one connection and waits once for the broker's
confirms (``Publisher.publish_bodies``) rather than after each: the api sends the start
or end notifications of a batch of steps that way. What that leaves unsent goes one by one
as above. ``gathered(meanwhile=...)`` runs a call of the thread's own between the writes
and that wait: the api commits a begin's next step while the broker confirms its start
notification.
"""

import contextlib
import threading
import time
import uuid

import oslo_messaging
from oslo_log import log as logging
from oslo_messaging.notify import notifier as oslo_notifier
from oslo_utils import timeutils

from cepheid.common import kombu_transport
from cepheid.common import lean_publisher

#: The lean publisher's broker connection name; the longest a notification waits for the
#: broker's confirm before oslo.messaging sends it.
CONNECTION_NAME = 'cepheid-notifications'
CONFIRM_TIMEOUT = 5.0
#: Connections a process publishes notifications on at most: each publish waits for its
#: confirm (about a millisecond) on its own, so overlapping ones do not queue.
CONNECTIONS = 4
#: The first and the longest wait before a notification nothing could send is tried again.
RETRY_INTERVAL = 0.5
RETRY_INTERVAL_MAX = 5.0
#: The message format oslo.messaging's messagingv2 driver sends.
ENVELOPE_VERSION = 2.0

LOG = logging.getLogger(__name__)

_gathering = threading.local()      # .held: this thread's held notifications, or None


@contextlib.contextmanager
def gathered(meanwhile=None):
    """Hold the notifications this thread's LeanNotifiers send in the block; at its end
    publish them together (see the module's docstring). Nested: the outermost sends.

    ``meanwhile``: called once in this thread at the block's end, after the held
    notifications are written and before the wait for the broker's confirms, so that its
    own round trip (a commit) overlaps the broker's; with nothing held, or nested, once
    the block ends. What it raises is raised after the block's notifications are sent
    (nested: at once, the outer block sends them)."""
    if getattr(_gathering, 'held', None) is not None:
        try:
            yield
        finally:
            if meanwhile is not None:
                meanwhile()
        return
    held = _gathering.held = []
    try:
        yield
    finally:
        _gathering.held = None
        _send_held(held, meanwhile)


def _send_held(held, meanwhile=None):
    """``held``: ``(notifier, key, context, message)`` each, in the order sent. Those
    sharing a publisher go out together; what it could not send, one by one, after
    ``meanwhile`` (which the first publisher calls once its messages are written)."""
    by_publisher = {}
    for item in held:
        by_publisher.setdefault(id(item[0]._publisher), []).append(item)
    then = lean_publisher.Once(meanwhile)
    for items in by_publisher.values():
        publisher = items[0][0]._publisher
        sent = publisher.publish_bodies(
            ((_body_of(context, message), key, notifier._queues[key])
             for notifier, key, context, message in items),
            meanwhile=then if then.pending else None)
        for ok, (notifier, key, context, message) in zip(sent, items, strict=True):
            if not ok:
                notifier._send(key, context, message)
    then()
    then.reraise()


def _body_of(context, message):
    return lambda: lean_publisher.envelope(context, message)


def publisher(conf, transport):
    """This process's lean publisher for the notification ``transport``, or None when
    oslo.messaging must send: ``[notifications] publisher = rpc``, a transport other than
    RabbitMQ, compressed messages, or a notification driver other than messagingv2."""
    url = kombu_transport.url_of(transport)
    if (conf.notifications.publisher != 'lean' or url is None
            or conf.oslo_messaging_rabbit.kombu_compression
            or set(conf.oslo_messaging_notifications.driver or ['messagingv2'])
            != {'messagingv2'}):
        return None
    return lean_publisher.shared(conf, name=CONNECTION_NAME, persistent=True,
                                 confirm_timeout=CONFIRM_TIMEOUT, url=url,
                                 connections=CONNECTIONS)


class LeanNotifier:
    """``info``/``warning``/``error``/``critical`` as an oslo.messaging Notifier's, sent
    through ``publisher``; what it declines goes through ``transport`` (oslo.messaging's
    driver), and is tried again as ``retry`` says (-1: until it is sent)."""

    def __init__(self, conf, publisher, transport, *, publisher_id, topics, serializer,
                 retry=-1):
        self.publisher_id = publisher_id
        self._publisher = publisher
        self._transport = transport
        self._topics = list(topics)
        self._serializer = serializer
        self._retry = retry
        self._queues = {}
        for topic in self._topics:
            for priority in ('info', 'warn', 'error', 'critical'):
                key = f'{topic}.{priority}'
                self._queues[key] = kombu_transport.notification_queue(conf, key)

    def info(self, ctxt, event_type, payload):
        self._notify(ctxt, event_type, payload, 'INFO')

    def warning(self, ctxt, event_type, payload):
        self._notify(ctxt, event_type, payload, 'WARN')

    def error(self, ctxt, event_type, payload):
        self._notify(ctxt, event_type, payload, 'ERROR')

    def critical(self, ctxt, event_type, payload):
        self._notify(ctxt, event_type, payload, 'CRITICAL')

    def _notify(self, ctxt, event_type, payload, priority):
        context = self._serializer.serialize_context(oslo_notifier._sanitize_context(ctxt))
        message = {'message_id': str(uuid.uuid4()), 'publisher_id': self.publisher_id,
                   'event_type': event_type, 'priority': priority,
                   'payload': self._serializer.serialize_entity(ctxt, payload),
                   'timestamp': str(timeutils.utcnow())}
        held = getattr(_gathering, 'held', None)
        for topic in self._topics:
            key = f'{topic}.{priority.lower()}'
            if held is not None:
                held.append((self, key, context, message))
            else:
                self._send(key, context, message)

    def _send(self, key, context, message):
        """Lean, else through oslo.messaging's driver; both again after a wait while
        ``retry`` allows."""
        wait, attempts = RETRY_INTERVAL, 0
        while True:
            if self._publisher.publish_body(
                    lambda: lean_publisher.envelope(context, message), topic=key,
                    default_queue=self._queues[key]):
                return
            try:
                self._transport._send_notification(
                    oslo_messaging.Target(topic=key), context, dict(message),
                    version=ENVELOPE_VERSION, retry=0)
                return
            except Exception as exc:
                attempts += 1
                if 0 <= self._retry < attempts:
                    LOG.error('Notification %s (%s) not sent: %s', message['event_type'],
                              key, exc)
                    return
                if attempts == 1:
                    LOG.warning('Notification %s (%s) not sent (%s): trying again until '
                                'the broker takes it', message['event_type'], key, exc)
            time.sleep(wait)
            wait = min(wait * 2, RETRY_INTERVAL_MAX)


def notifier(conf, transport, *, publisher_id, topics, serializer):
    """A LeanNotifier when ``publisher(conf, transport)`` gives one, else None."""
    lean = publisher(conf, transport)
    if lean is None:
        return None
    return LeanNotifier(conf, lean, transport, publisher_id=publisher_id, topics=topics,
                        serializer=serializer,
                        retry=conf.oslo_messaging_notifications.retry)
