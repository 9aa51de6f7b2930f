"""Watches the bus for the end of each request: ``instance.<action>.end|error`` notifications.

Completion time is the notification's own ``timestamp`` (set by the sender right after the
final state was saved), not the moment this listener got it, so a listener that polls (as
fake:// does, up to 50 ms) does not add its lag to the latencies.
"""

import datetime
import threading
import time

import oslo_messaging

from bench import lean_tracker

TERMINAL = ('.end', '.error')


def sent_at(metadata):
    """The notification's send time as a time.time() value (oslo stamps naive UTC)."""
    stamp = datetime.datetime.fromisoformat(str(metadata['timestamp']))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.UTC)
    return stamp.timestamp()


class Done:
    __slots__ = ('event_type', 'uuid', 'sent', 'seen')

    def __init__(self, event_type, uuid, sent, seen):
        self.event_type, self.uuid, self.sent, self.seen = event_type, uuid, sent, seen

    @property
    def ok(self):
        return self.event_type.endswith('.end')


class Tracker:
    """Keeps the terminal notification of every request id; ``wait(request_id)`` blocks on it.

    One Event per waiter (not one shared Condition), so fifty waiting threads are not all
    woken by every notification.
    """

    def __init__(self, transport, topic='versioned_notifications', *, lean_conf=None):
        self._done = {}
        self._waiters = {}
        self._lock = threading.Lock()
        self.received = 0
        if lean_conf is not None:      # RabbitMQ: kombu consumers (bench/lean_tracker.py)
            self.listener = lean_tracker.LeanListener(lean_conf, topic, self._record)
        else:
            self.listener = oslo_messaging.get_notification_listener(
                transport, [oslo_messaging.Target(topic=topic)], [self],
                allow_requeue=False)

    def start(self):
        self.listener.start()
        return self

    def stop(self):
        self.listener.stop()
        self.listener.wait()

    def _record(self, event_type, payload, metadata):
        self.received += 1
        if not event_type.endswith(TERMINAL):
            return
        data = payload.get('nova_object.data', {})
        done = Done(event_type, data.get('uuid'), sent_at(metadata), time.time())
        with self._lock:
            self._done[data.get('request_id')] = done
            waiter = self._waiters.pop(data.get('request_id'), None)
        if waiter is not None:
            waiter.set()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record(event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record(event_type, payload, metadata)

    def wait(self, request_id, timeout):
        """The Done of ``request_id``, or None after ``timeout`` seconds."""
        with self._lock:
            if request_id in self._done:
                return self._done[request_id]
            waiter = self._waiters.setdefault(request_id, threading.Event())
        waiter.wait(timeout)
        with self._lock:
            self._waiters.pop(request_id, None)
            return self._done.get(request_id)

    def wait_all(self, request_ids, timeout):
        """Block until every request id is done (or timeout); returns how many are."""
        deadline = time.monotonic() + timeout
        done = 0
        for request_id in request_ids:
            if self.wait(request_id, max(0.0, deadline - time.monotonic())) is not None:
                done += 1
        return done
