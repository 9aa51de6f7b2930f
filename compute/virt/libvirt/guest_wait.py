"""Wait for a guest to reach a state: woken by lifecycle events, polling as a fallback."""

import contextlib
import enum
import threading
import time


class WaitResult(enum.Enum):
    REACHED = 'reached'
    TIMEOUT = 'timeout'
    ESCALATED = 'escalated'


class Wait:
    """One thread waiting on one guest. ``escalate()`` ends an escalatable wait early."""

    def __init__(self, uuid, escalatable):
        self.uuid = uuid
        self.escalatable = escalatable
        self.escalated = False
        # For the timings: when ``until`` learnt what ended it (monotonic) — the last
        # wake-up since the check before the one that held, or that check's start.
        self.signalled_at = None
        self._woken_at = None
        self._wake = threading.Event()

    def wake(self):
        self._woken_at = time.monotonic()
        self._wake.set()

    def escalate(self):
        self.escalated = True
        self._wake.set()

    def until(self, check, timeout, poll_interval):
        """Call ``check()`` on every wake-up and poll tick until it is true or time is up.

        ``check`` must look the guest up afresh each time (domain handles cache state).
        """
        deadline = time.monotonic() + timeout
        previous = None     # when the last check that did not hold began
        while True:
            self._wake.clear()
            if self.escalated:
                return WaitResult.ESCALATED
            looked = time.monotonic()
            if check():
                woken = self._woken_at
                since = looked if previous is None else previous
                self.signalled_at = woken if woken is not None and woken >= since else looked
                return WaitResult.REACHED
            previous = looked
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return WaitResult.TIMEOUT
            self._wake.wait(min(poll_interval, remaining))


class GuestWaiter:
    """Registry of waits per instance UUID, fed by lifecycle events."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waits = {}

    @contextlib.contextmanager
    def waiting(self, uuid, *, escalatable=False):
        """Register a Wait for ``uuid`` for the duration of the block."""
        wait = Wait(uuid, escalatable)
        with self._lock:
            self._waits.setdefault(uuid, set()).add(wait)
        try:
            yield wait
        finally:
            with self._lock:
                waits = self._waits.get(uuid, set())
                waits.discard(wait)
                if not waits:
                    self._waits.pop(uuid, None)

    def _current(self, uuid):
        with self._lock:
            return list(self._waits.get(uuid, ()))

    def is_waiting(self, uuid, *, escalatable=None):
        """True while some thread waits on ``uuid`` (of the given kind, if given)."""
        return any(escalatable is None or wait.escalatable == escalatable
                   for wait in self._current(uuid))

    def notify(self, uuid):
        """Something happened to ``uuid``: every waiter re-checks now."""
        for wait in self._current(uuid):
            wait.wake()

    def escalate(self, uuid):
        """End the escalatable waits of ``uuid``; True if there was one."""
        found = False
        for wait in self._current(uuid):
            if wait.escalatable:
                wait.escalate()
                found = True
        return found
