"""What the compute reports of its host's capacity, and when (with the heartbeat)."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# An unchanged report is still sent every this many heartbeats (the api side writes only
# what changed, so it costs one SELECT there).
RESOURCES_EVERY = 6


class ResourceTracker:
    def __init__(self, conf, driver, host):
        self.conf = conf
        self.driver = driver
        self.host = host
        self._last = None
        self._beats = 0

    def current(self):
        """The driver's view of the host plus this compute's allocation ratios."""
        resources = dict(self.driver.get_available_resource())
        resources.setdefault('hypervisor_hostname', self.host)
        resources.update(cpu_allocation_ratio=self.conf.cpu_allocation_ratio,
                         ram_allocation_ratio=self.conf.ram_allocation_ratio,
                         disk_allocation_ratio=self.conf.disk_allocation_ratio)
        return resources

    def due(self, *, force=False):
        """The report to send with this heartbeat, or None when nothing changed lately."""
        try:
            resources = self.current()
        except Exception as exc:
            LOG.warning('Cannot read the capacity of %s: %s', self.host, exc)
            return None
        self._beats += 1
        if force or resources != self._last or self._beats >= RESOURCES_EVERY:
            self._last, self._beats = resources, 0
            return resources
        return None

    def forget(self):
        """The last report may not have arrived: send the next one in full."""
        self._last = None
