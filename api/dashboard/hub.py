"""In-process fan-out of dashboard events to every open stream, plus recent timelines."""

import collections
import queue
import threading

from cepheid.api.dashboard import compact

TIMELINE_LENGTH = 200      # entries kept per instance
INSTANCES_KEPT = 2000      # instances whose timeline is kept (oldest forgotten first)
CLIENT_QUEUE = 1000        # events buffered per stream before it is dropped
# What the hub keeps of an instance's newest summary: its time first (which is newer),
# then the states a timeline entry shows (api/dashboard/summaries.changed).
LATEST_KEYS = ('updated_at', 'task_state', 'vm_state', 'power_state', 'locked')


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
    seen for it (the bus does not keep order across publishers).

    What the hub keeps per instance is compact (``api/dashboard/compact.py``): the
    timeline packed in one buffer, and of the newest summary only what decides whether
    a later one is newer or changed (LATEST_KEYS)."""

    CLOSED = {'type': 'closed'}

    def __init__(self):
        self._lock = threading.Lock()
        self._subscribers = set()
        self._codec = compact.Codec()
        self._timelines = collections.OrderedDict()     # uuid -> compact.Timeline
        self._latest = {}   # uuid -> the LATEST_KEYS values of the newest summary seen
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
        """The instance's entries seen live, oldest first."""
        with self._lock:
            timeline = self._timelines.get(uuid)
            packed = timeline.entries() if timeline is not None else []
        return [self._codec.unpack(data) for data in packed]

    def latest(self, uuid):
        """The LATEST_KEYS of the newest summary seen for ``uuid``, or None."""
        with self._lock:
            values = self._latest.get(uuid)
        return dict(zip(LATEST_KEYS, values, strict=True)) if values is not None else None

    def publish_instance(self, summary, entry=None):
        """A new state of an instance (and its timeline entry, if any). A state older
        than one already seen only adds its entry: the table keeps the newest."""
        with self._lock:
            previous = self._latest.get(summary['uuid'])
            newest = not previous or (previous[0] or '') <= (summary['updated_at'] or '')
            events = []
            if newest:
                self._latest[summary['uuid']] = tuple(
                    self._codec.intern(key, summary.get(key)) for key in LATEST_KEYS)
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
        timeline = self._timelines.get(uuid)
        if timeline is None:
            timeline = self._timelines[uuid] = compact.Timeline()
            while len(self._timelines) > INSTANCES_KEPT:
                forgotten, _ = self._timelines.popitem(last=False)
                self._latest.pop(forgotten, None)
        timeline.append(self._codec.pack(entry), TIMELINE_LENGTH)
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
