"""Notifications the api sends for a compute: the end of an operation sent as a cast.

When a compute's ``task_end`` (api/conductor_end.py) commits, its end notification
(``instance.reboot.end`` and the legacy ``compute.instance.reboot.end``) goes from here,
published as that compute's (``<binary prefix>-compute:<host>``, legacy
``compute.<host>``): consumers see the same publisher, event and payload as when the
compute sent it, and only after the end state is in the database. The format is the
compute's (its ``notification_format`` travels with the end); the topics are this api's
``[notifications]`` ones (set them as on the computes).
"""

import threading

from cepheid.common import binaries
from cepheid.common import notifications

#: The notification formats a compute may ask for.
FORMATS = ('versioned', 'unversioned', 'both')
#: The compute binary whose publisher id the notifications carry.
COMPUTE = binaries.canonical(binaries.COMPUTE)


class HostNotifiers:
    """One InstanceNotifier per compute host, made on first use."""

    def __init__(self, conf, transport):
        self.conf, self.transport = conf, transport
        self._lock = threading.Lock()
        self._notifiers = {}

    def notifier(self, host, fmt=None):
        key = (host, fmt)
        found = self._notifiers.get(key)
        if found is None:
            with self._lock:
                found = self._notifiers.get(key)
                if found is None:
                    found = notifications.InstanceNotifier(self.conf, self.transport,
                                                           service=COMPUTE, host=host,
                                                           fmt=fmt)
                    self._notifiers[key] = found
        return found

    def notify(self, host, context, instance, action, phase, fmt=None):
        """``fmt``: the compute's notification_format (None or unknown: this api's)."""
        if fmt not in FORMATS:
            fmt = None
        self.notifier(host, fmt).notify(context, instance, action, phase)
