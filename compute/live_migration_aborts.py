"""The aborts of live migrations that are not copying yet (Nova's microversion 2.65:
``queued`` — its cast waits in the instance's queue on the source — or ``preparing`` —
the destination prepares). The abort is not queued: it is recorded here, and the live
migration checks it when it starts and again just before its copy, then rolls back
(``cancelled``). An abort that finds the copy running wakes the driver instead."""

import threading


class LiveAborts:
    def __init__(self):
        self._lock = threading.Lock()
        self._requested = set()
        self._copying = set()

    def request(self, migration_id):
        """True when the copy runs (the driver's abort must wake it); else the abort is
        kept for the live migration to find."""
        with self._lock:
            if migration_id in self._copying:
                return True
            self._requested.add(migration_id)
            return False

    def requested(self, migration_id):
        with self._lock:
            return migration_id in self._requested

    def start_copy(self, migration_id):
        """False (the copy must not start) when an abort came first."""
        with self._lock:
            if migration_id in self._requested:
                return False
            self._copying.add(migration_id)
            return True

    def forget(self, migration_id):
        with self._lock:
            self._requested.discard(migration_id)
            self._copying.discard(migration_id)
