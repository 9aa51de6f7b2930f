"""The ends a compute sent as ``task_end`` casts, remembered per instance.

A cast end is not answered, so the compute keeps the last one per instance for two
uses: a request re-sent by the watchdog (its cast was lost) finds the end and sends it
again as a call instead of redoing the operation; and the compute's next read of the
instance within ``SETTLE_SECONDS`` carries the end, which the api applies first, so the
read never sees the state before it.
"""

import collections
import threading
import time

# How many instances' last cast end a compute remembers.
REMEMBERED = 4096
# How long a cast end may still be on its way: a read of the instance within that time
# carries it (past it, a cast not applied yet was lost: the watchdog's case).
SETTLE_SECONDS = 60.0


class _End:
    """The last end this compute cast for an instance."""

    __slots__ = ('context', 'args', 'sent', 'carried')

    def __init__(self, context, args, sent):
        self.context, self.args, self.sent, self.carried = context, args, sent, False


class CastEnds:
    """instance uuid -> the last end cast for it (at most REMEMBERED, oldest dropped)."""

    def __init__(self):
        self._ends = collections.OrderedDict()
        self._lock = threading.Lock()

    def remember(self, instance_uuid, context, args):
        with self._lock:
            self._ends[instance_uuid] = _End(context, args, time.monotonic())
            self._ends.move_to_end(instance_uuid)
            while len(self._ends) > REMEMBERED:
                self._ends.popitem(last=False)

    def of_request(self, instance_uuid, request_id):
        """The args of the end cast for this instance by request ``request_id``, or None."""
        with self._lock:
            found = self._ends.get(instance_uuid)
        if found is None or found.context.request_id != request_id:
            return None
        return found.args

    def unsettled(self, instance_uuid):
        """The end cast for this instance that may still be on its way (cast less than
        SETTLE_SECONDS ago and not carried by a read yet), marked carried; or None."""
        with self._lock:
            found = self._ends.get(instance_uuid)
            if (found is None or found.carried
                    or time.monotonic() - found.sent > SETTLE_SECONDS):
                return None
            found.carried = True
        return {'context': found.context.to_dict(), 'args': found.args}
