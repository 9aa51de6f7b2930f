"""Reconnecting to libvirtd: exponential backoff and the one thread that retries."""

import itertools
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Backoff:
    """Delays ``initial, initial*factor, ...`` capped at ``maximum`` seconds, forever."""

    def __init__(self, initial=0.1, maximum=2.0, factor=2.0):
        self.initial = initial
        self.maximum = maximum
        self.factor = factor

    def delays(self):
        delay = self.initial
        while True:
            yield min(delay, self.maximum)
            delay = min(delay * self.factor, self.maximum)


class Reconnector:
    """Runs ``attempt()`` (True once connected) on a thread of its own, sleeping the
    backoff's delays between failures, until it succeeds or ``stop()`` is called.

    ``request()`` may be called from any thread, the libvirt event loop included: it never
    blocks on a connection attempt. Requests made while an attempt loop runs are not
    lost: the loop starts over once more after its success.
    """

    def __init__(self, attempt, backoff, name):
        self._attempt = attempt
        self._backoff = backoff
        self._name = name
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pending = False
        self._thread = None
        self.attempts = 0      # of the last loop: what the reconnect log line reports

    def request(self):
        with self._lock:
            if self._stop.is_set():
                return
            self._pending = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name,
                                                daemon=True)
                self._thread.start()

    def stop(self):
        self._stop.set()

    @property
    def running(self):
        """True while the retry thread exists."""
        with self._lock:
            return self._thread is not None

    def _run(self):
        while True:
            with self._lock:
                if not self._pending or self._stop.is_set():
                    self._thread = None
                    return
                self._pending = False
            self._until_connected()

    def _until_connected(self):
        delays = self._backoff.delays()
        for self.attempts in itertools.count(1):
            if self._stop.is_set():
                return
            try:
                if self._attempt():
                    return
            except Exception:  # the loop must survive anything an attempt raises
                LOG.exception('libvirt reconnect attempt %d failed', self.attempts)
            self._stop.wait(next(delays))
