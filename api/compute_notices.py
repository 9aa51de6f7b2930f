"""Notifications the api sends for a compute: the end of an operation sent as a cast.

When a compute's ``task_end`` (api/conductor_end.py) commits, its end notification
(``instance.reboot.end`` and the legacy ``compute.instance.reboot.end``) goes from here,
published as that compute's (``<binary prefix>-compute:<host>``, legacy
``compute.<host>``): consumers see the same publisher, event and payload as when the
compute sent it, and only after the end state is in the database. The format follows
this api's ``[notifications]`` options (set them as on the computes).
"""

import threading

from cepheid.common import binaries
from cepheid.common import notifications

#: The compute binary whose publisher id the notifications carry.
COMPUTE = binaries.canonical(binaries.COMPUTE)


class HostNotifiers:
    """One InstanceNotifier per compute host, made on first use."""

    def __init__(self, conf, transport):
        self.conf, self.transport = conf, transport
        self._lock = threading.Lock()
        self._notifiers = {}

    def notifier(self, host):
        found = self._notifiers.get(host)
        if found is None:
            with self._lock:
                found = self._notifiers.get(host)
                if found is None:
                    found = notifications.InstanceNotifier(self.conf, self.transport,
                                                           service=COMPUTE, host=host)
                    self._notifiers[host] = found
        return found

    def notify(self, host, context, instance, action, phase):
        self.notifier(host).notify(context, instance, action, phase)
