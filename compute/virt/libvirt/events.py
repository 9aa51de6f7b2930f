"""Hand lifecycle events to the driver's listener on a thread of their own."""

import queue
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

_STOP = object()


class EventDispatcher:
    """Queue ``(uuid, power_state)`` pairs from the libvirt event loop for ``deliver``.

    The libvirt event loop must never block on a slow listener, so events are queued
    here and delivered in order by one worker thread.
    """

    def __init__(self, deliver):
        self._deliver = deliver
        self._queue = queue.Queue()
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name='libvirt-event-dispatch', daemon=True)
            self._thread.start()

    def put(self, uuid, power_state):
        self._queue.put((uuid, power_state))

    def stop(self, timeout=5.0):
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def _run(self):
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._deliver(*item)
            except Exception:
                LOG.exception('Delivering lifecycle event %s failed', item)
