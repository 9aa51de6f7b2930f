"""A periodic job on a daemon thread: ``check_once`` every ``interval`` seconds until ``stop``.

The api's watchdog, reclaim of soft-deleted servers, automatic resize confirm and heartbeat
flush are each one of these: a subclass names its thread, gives its interval and its
``check_once``, and says how a failed run is logged (the next run retries; the thread lives on).
"""

import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class PeriodicThread:
    """Subclasses set ``thread_name``, give ``interval`` (seconds: an attribute or a property)
    and implement ``check_once``."""

    thread_name = 'periodic'

    def __init__(self):
        self._stop = threading.Event()
        self._thread = None

    def check_once(self):
        raise NotImplementedError

    def enabled(self):
        """Whether ``start`` starts the thread (by default: a positive interval)."""
        return self.interval > 0

    def wait_time(self):
        """Seconds between two runs (the interval unless a subclass caps it)."""
        return self.interval

    def run_failed(self, exc):
        """Log a run that raised; the thread goes on and the next run retries."""
        LOG.exception('%s: periodic run failed', self.thread_name)

    def start(self):
        if not self.enabled():
            return
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout=10):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self):
        while not self._stop.wait(self.wait_time()):
            try:
                self.check_once()
            except Exception as exc:
                self.run_failed(exc)
