"""Per-instance serialization: one operation at a time per UUID, in arrival order.

Different instances run concurrently on a shared worker pool. A queued operation is an
entry in a deque, not a blocked thread: only the head of each instance's queue runs.
"""

import collections
import threading

from oslo_log import log as logging

from cepheid.common import warm_pool

LOG = logging.getLogger(__name__)


class InstanceWorkQueue:
    def __init__(self, max_workers):
        self._pool = warm_pool.WarmPool(max_workers, thread_name_prefix='instance-op')
        self._lock = threading.Lock()
        self._pending = {}     # uuid -> deque of (fn, args, kwargs) waiting behind the runner

    def submit(self, uuid, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` after every earlier operation on ``uuid``."""
        with self._lock:
            if uuid in self._pending:
                self._pending[uuid].append((fn, args, kwargs))
                return
            self._pending[uuid] = collections.deque()
        self._pool.submit(self._run, uuid, fn, args, kwargs)

    def _run(self, uuid, fn, args, kwargs):
        while True:
            try:
                fn(*args, **kwargs)
            except Exception:
                LOG.exception('Operation on instance %s failed', uuid)
            with self._lock:
                waiting = self._pending[uuid]
                if not waiting:
                    del self._pending[uuid]
                    return
                fn, args, kwargs = waiting.popleft()
            # Hand the next operation to the pool so one busy instance cannot starve others.
            self._pool.submit(self._run, uuid, fn, args, kwargs)
            return

    def busy(self, uuid):
        with self._lock:
            return uuid in self._pending

    def depth(self):
        """Operations running or waiting, over every instance."""
        with self._lock:
            return sum(1 + len(waiting) for waiting in self._pending.values())

    def idle(self):
        with self._lock:
            return not self._pending

    def shutdown(self, wait=True):
        self._pool.shutdown(wait=wait, cancel_waiting=not wait)
