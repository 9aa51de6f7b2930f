"""In-process fan-out of dashboard events to every open stream, plus recent timelines."""

import collections
import queue
import threading

TIMELINE_LENGTH = 200      # entries kept per instance
INSTANCES_KEPT = 2000      # instances whose timeline is kept (oldest forgotten first)
CLIENT_QUEUE = 1000        # events buffered per stream before it is dropped


class Subscription:
    """One stream's queue; ``get`` returns the next event or None after ``timeout``."""

    def __init__(self, hub):
        self.hub = hub
        self.queue = queue.Queue(CLIENT_QUEUE)
        self.overflowed = False
        self.closed = False

    def get(self, timeout):
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self.hub.unsubscribe(self)


class Hub:
    """Events are dicts: ``{"type": "instance", "instance": {...}}``, ``{"type":
    "timeline", "uuid": ..., "entry": {...}}``, ``{"type": "deleted", "uuid": ...}``.

    An instance event is dropped when an event with a newer ``updated_at`` was already
    seen for it (the bus does not keep order across publishers)."""

    CLOSED = {'type': 'closed'}

    def __init__(self):
        self._lock = threading.Lock()
        self._subscribers = set()
        self._timelines = collections.OrderedDict()
        self._latest = {}   # uuid -> newest instance summary seen
        self._open = threading.Condition(self._lock)
        self._streams = 0   # subscriptions not yet closed by their stream
        self.closed = False

    def subscribe(self):
        sub = Subscription(self)
        with self._lock:
            self._subscribers.add(sub)
            self._streams += 1
        return sub

    def unsubscribe(self, sub):
        with self._lock:
            if not sub.closed:
                sub.closed = True
                self._streams -= 1
                self._open.notify_all()
            self._subscribers.discard(sub)

    @property
    def subscriber_count(self):
        with self._lock:
            return len(self._subscribers)

    def timeline(self, uuid):
        with self._lock:
            return list(self._timelines.get(uuid, ()))

    def latest(self, uuid):
        with self._lock:
            return self._latest.get(uuid)

    def publish_instance(self, summary, entry=None):
        """A new state of an instance (and its timeline entry, if any). A state older
        than one already seen only adds its entry: the table keeps the newest."""
        with self._lock:
            previous = self._latest.get(summary['uuid'])
            newest = not previous or (
                (previous.get('updated_at') or '') <= (summary['updated_at'] or ''))
            events = []
            if newest:
                self._latest[summary['uuid']] = summary
                events.append({'type': 'instance', 'instance': summary})
            if entry is not None:
                events.append(self._add_entry(summary['uuid'], entry))
            self._send(events)
        return newest

    def publish_entry(self, uuid, entry):
        with self._lock:
            self._send([self._add_entry(uuid, entry)])

    def publish_deleted(self, uuid):
        with self._lock:
            self._latest.pop(uuid, None)
            self._timelines.pop(uuid, None)
            self._send([{'type': 'deleted', 'uuid': uuid}])

    def _add_entry(self, uuid, entry):
        entries = self._timelines.get(uuid)
        if entries is None:
            entries = self._timelines[uuid] = collections.deque(maxlen=TIMELINE_LENGTH)
            while len(self._timelines) > INSTANCES_KEPT:
                forgotten, _ = self._timelines.popitem(last=False)
                self._latest.pop(forgotten, None)
        entries.append(entry)
        return {'type': 'timeline', 'uuid': uuid, 'entry': entry}

    def _send(self, events):
        for sub in list(self._subscribers):
            for event in events:
                try:
                    sub.queue.put_nowait(event)
                except queue.Full:
                    # A stalled reader: end its stream (the browser reconnects and reloads).
                    sub.overflowed = True
                    self._subscribers.discard(sub)
                    break

    def close(self, timeout=2):
        """End every stream (the service is stopping); wait up to ``timeout`` seconds for
        them to end, so the WSGI server stops after them."""
        with self._lock:
            self.closed = True
            for sub in self._subscribers:
                try:
                    sub.queue.put_nowait(self.CLOSED)
                except queue.Full:
                    sub.overflowed = True
            self._subscribers.clear()
            self._open.wait_for(lambda: self._streams == 0, timeout)
