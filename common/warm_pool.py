"""A thread pool that hands work to the thread that went idle last.

``concurrent.futures.ThreadPoolExecutor`` lets its idle workers race for a shared queue,
so work goes round all of them: at a low rate each item runs on a thread that has slept
longest, its stack and the objects it touched long gone from the CPU's caches. Here idle
workers wait on a stack and ``submit`` wakes the one on top, so a trickle of work keeps
running on the same warm thread while a burst still spreads over up to ``max_workers``
threads; work that finds every thread busy waits in arrival order.
"""

import collections
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class _Worker:
    __slots__ = ('thread', 'wake', 'item')

    def __init__(self):
        self.thread, self.wake, self.item = None, threading.Event(), None


class WarmPool:
    """``submit(fn, *args, **kwargs)``: run it on a worker; ``shutdown(wait)`` stops them.
    What ``fn`` raises is logged; nothing waits for its result."""

    def __init__(self, max_workers, *, thread_name_prefix='warm-pool'):
        if max_workers < 1:
            raise ValueError('max_workers must be at least 1')
        self.max_workers = max_workers
        self.prefix = thread_name_prefix
        self._lock = threading.Lock()
        self._idle = []                      # workers waiting, the last to go idle on top
        self._waiting = collections.deque()  # work that found every worker busy
        self._workers = []
        self._shutdown = False

    def submit(self, fn, *args, **kwargs):
        item = (fn, args, kwargs)
        with self._lock:
            if self._shutdown:
                raise RuntimeError('cannot submit after shutdown')
            if self._idle:
                worker = self._idle.pop()
                worker.item = item
                worker.wake.set()
                return
            if len(self._workers) < self.max_workers:
                worker = _Worker()
                worker.item = item
                worker.thread = threading.Thread(
                    target=self._work, args=(worker,), daemon=True,
                    name=f'{self.prefix}_{len(self._workers)}')
                self._workers.append(worker)
                worker.thread.start()
                return
            self._waiting.append(item)

    def workers(self):
        """Threads started so far (never more than ``max_workers``)."""
        with self._lock:
            return len(self._workers)

    def idle_workers(self):
        """Threads waiting for work."""
        with self._lock:
            return len(self._idle)

    def _work(self, worker):
        while True:
            item, worker.item = worker.item, None
            if item is None:          # woken by shutdown
                return
            fn, args, kwargs = item
            try:
                fn(*args, **kwargs)
            except Exception:
                LOG.exception('%s: work failed', self.prefix)
            del item, fn, args, kwargs
            with self._lock:
                if self._waiting:
                    worker.item = self._waiting.popleft()
                    continue
                if self._shutdown:
                    return
                worker.wake.clear()
                self._idle.append(worker)
            worker.wake.wait()

    def shutdown(self, wait=True, *, cancel_waiting=False):
        """Stop the workers once they ran what is waiting (``cancel_waiting``: drop it
        instead); ``wait``: until they stopped."""
        with self._lock:
            self._shutdown = True
            if cancel_waiting:
                self._waiting.clear()
            idle, self._idle = self._idle, []
            workers = list(self._workers)
        for worker in idle:
            worker.wake.set()
        if wait:
            for worker in workers:
                worker.thread.join()
