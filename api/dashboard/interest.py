"""Whether anyone watches the dashboard: the lease its live feed runs on.

The live feed costs every operation (api/dashboard/feed.py): each committed instance
change is cast (fanout) to every api process, whose conductor RPC server takes it in,
and each process listens to the versioned notifications. Nobody needs any of it while no
dashboard stream is open, so the feed runs on a lease. A process with an open stream
renews the lease in every api process: with a fanout cast (``dashboard_watched``) when a
stream opens and then every RENEW_SECONDS while one stays open (each stream's loop asks,
at least every keepalive). A process casts its commits only while its lease is fresh:
up to LEASE_SECONDS after the last renewal it made or heard.
"""

import threading
import time

#: How long a renewal keeps every api process casting its changes.
LEASE_SECONDS = 30.0
#: How often a process with an open stream renews the lease in the others.
RENEW_SECONDS = 10.0
#: The longest lease a renewal from another process may ask for.
MAX_LEASE_SECONDS = 300.0


class Interest:
    """This process's lease; ``clock`` is monotonic seconds."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._until = float('-inf')
        self._told = float('-inf')      # when this process last renewed the others' lease
        self._lock = threading.Lock()

    def watched(self):
        """Whether a stream is open here or (as far as this process heard) elsewhere."""
        return self._clock() < self._until

    def renew(self, seconds=LEASE_SECONDS):
        """Someone watches for ``seconds`` more (a stream here, or another process's
        renewal); a lease never shortens, nor stretches past MAX_LEASE_SECONDS."""
        seconds = min(max(0.0, float(seconds)), MAX_LEASE_SECONDS)
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def due(self, now=False):
        """Whether this process should renew the others' lease now: True at most once
        every RENEW_SECONDS (to whichever stream asks first), or at once with ``now``
        (a stream opened where the lease was not fresh)."""
        if not now and self._clock() - self._told < RENEW_SECONDS:
            return False        # the common case, asked after every event: no lock
        with self._lock:
            moment = self._clock()
            if not now and moment - self._told < RENEW_SECONDS:
                return False
            self._told = moment
            return True
