"""The virt driver contract (an ABC) and the alias table that loads a driver by name."""

import abc
import dataclasses
import importlib

from oslo_log import log as logging

from cepheid.common import exception

LOG = logging.getLogger(__name__)

DRIVER_ALIASES = {
    'fake': 'cepheid.compute.virt.fake.FakeDriver',
    'libvirt': 'cepheid.compute.virt.libvirt.driver.LibvirtDriver',
}


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """What the hypervisor says about a guest: a power_state int (common.states)."""

    power_state: int
    id: int | None = None


class ComputeDriver(abc.ABC):
    """What the compute manager asks of a hypervisor.

    ``instance`` is the instance record as a dict (uuid, name, vcpus, memory_mb, root_gb,
    image_ref, ...). Drivers raise ``cepheid.common.exception`` errors; a guest the
    hypervisor does not know raises ``InstanceDriverNotFound``.
    """

    def __init__(self, conf):
        self.conf = conf
        self._event_listener = None

    # -- lifecycle events -------------------------------------------------
    def register_event_listener(self, callback):
        """``callback(instance_uuid, power_state)`` is called on guest lifecycle changes."""
        self._event_listener = callback

    def emit_event(self, instance_uuid, power_state):
        if self._event_listener is not None:
            try:
                self._event_listener(instance_uuid, power_state)
            except Exception:
                LOG.exception('Lifecycle event listener failed for %s', instance_uuid)

    # -- the contract -------------------------------------------------------
    @abc.abstractmethod
    def init_host(self, host):
        """Prepare the hypervisor connection for ``host``; raise if it is unusable."""

    def cleanup_host(self, host):  # noqa: B027 - optional hook, a no-op by default
        """Release what init_host set up (optional)."""

    @abc.abstractmethod
    def get_available_resource(self):
        """The host's capacity, as Nova's ``get_available_resource``: a dict with vcpus,
        memory_mb, local_gb, hypervisor_type, hypervisor_version, hypervisor_hostname,
        running_vms (the compute adds its allocation ratios)."""

    @abc.abstractmethod
    def list_instance_uuids(self):
        """UUIDs of every guest the hypervisor knows."""

    @abc.abstractmethod
    def get_info(self, instance):
        """Return an InstanceInfo; raise InstanceDriverNotFound for an unknown guest."""

    @abc.abstractmethod
    def spawn(self, instance):
        """Create and start the guest."""

    @abc.abstractmethod
    def destroy(self, instance):
        """Stop and remove the guest; an unknown guest is not an error."""

    @abc.abstractmethod
    def reboot(self, instance, reboot_type):
        """Reboot: ``SOFT`` asks the guest (falls back to hard), ``HARD`` power-cycles.

        Raises InstanceRebootFailure when the guest could not be brought back.
        """

    def escalate_reboot(self, instance_uuid):
        """Cut an in-progress soft reboot short so it becomes hard now (optional).

        Returns True when a soft reboot of that instance was waiting.
        """
        return False

    @abc.abstractmethod
    def power_on(self, instance):
        """Start a stopped guest."""

    @abc.abstractmethod
    def power_off(self, instance, timeout=0):
        """Stop the guest; with ``timeout`` > 0 try a clean shutdown first."""

    @abc.abstractmethod
    def pause(self, instance):
        """Pause the guest's vCPUs."""

    @abc.abstractmethod
    def unpause(self, instance):
        """Resume a paused guest."""

    @abc.abstractmethod
    def suspend(self, instance):
        """Save the guest's memory to disk and stop it."""

    @abc.abstractmethod
    def resume(self, instance):
        """Restore a suspended guest."""

    # -- rescue, crash dump, console, password (Nova's optional driver calls) -----------
    # Rebuild has no call of its own: the manager destroys the guest and spawns it from
    # the new image (Nova's _rebuild_default_impl), so ``spawn`` must build every file of
    # the guest from ``instance['image_ref']``.
    def rescue(self, instance, *, rescue_image_ref=None, rescue_password=None):
        """Stop the guest and boot the rescue image (``rescue_image_ref``, else the
        instance's image) with the original root disk attached as the second disk."""
        raise NotImplementedError()

    def unrescue(self, instance):
        """Stop the rescue guest and boot the instance as it was before the rescue."""
        raise NotImplementedError()

    def trigger_crash_dump(self, instance):
        """Inject an NMI; InstanceNotRunning when the guest is not running,
        TriggerCrashDumpNotSupported when the hypervisor cannot."""
        raise NotImplementedError()

    def get_console_output(self, instance):
        """The guest's serial console log so far (text; '' when there is none yet)."""
        raise NotImplementedError()

    def set_admin_password(self, instance, new_pass):
        """Set the guest's admin password; InstanceAgentNotEnabled or
        SetAdminPasswdNotSupported when the guest cannot be asked."""
        raise NotImplementedError()

    # -- resize and cold migration (Nova's driver calls, in the order a move runs) --------
    def migrate_disk_and_power_off(self, instance, dest, flavor=None):
        """Source: power the guest off and hand its disks to ``dest`` (this host for a
        same-host resize); ``flavor`` is the new flavor (its instance columns). The guest
        is kept (powered off) until the move is confirmed or reverted."""
        raise exception.NotSupported(detail='Resize and cold migration are not supported '
                                            'by this driver.')

    def finish_migration(self, instance, power_on):
        """Destination: build the guest with the instance's (new) flavor; start it when
        ``power_on``."""
        raise exception.NotSupported(detail='Resize and cold migration are not supported '
                                            'by this driver.')

    def confirm_migration(self, instance):
        """Source: the move is confirmed; remove what was kept for a revert. The
        instance's host is the destination: when it is this host (a same-host resize)
        the guest is the resized one and stays."""
        raise exception.NotSupported(detail='Resize and cold migration are not supported '
                                            'by this driver.')

    def finish_revert_migration(self, instance, power_on):
        """Source: the move is reverted; start the kept guest again when ``power_on``."""
        raise exception.NotSupported(detail='Resize and cold migration are not supported '
                                            'by this driver.')

    # -- live migration (Nova's driver calls, in the order a live migration runs) ---------
    _NO_LIVE = 'Live migration is not supported by this driver.'

    def pre_live_migration(self, instance, migrate_data):
        """Destination: prepare an incoming guest (paused, waiting for the memory).
        Returns the dict handed to ``live_migration`` on the source."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def live_migration(self, instance, dest, migrate_data):
        """Source: copy the running guest to ``dest``; returns (the migrate data for
        ``post_live_migration_at_destination``) once the copy is done and the source
        guest gone. LiveMigrationAborted after ``live_migration_abort``."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def live_migration_abort(self, instance):
        """Source: stop the live migration in progress; the guest stays here."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def live_migration_force_complete(self, instance):
        """Source: make the live migration in progress finish now (libvirt pauses
        the guest or switches to post-copy)."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def post_live_migration_at_destination(self, instance, migrate_data):
        """Destination: the guest arrived; it runs here now."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def rollback_live_migration_at_destination(self, instance):
        """Destination: remove what ``pre_live_migration`` prepared (idempotent)."""
        raise exception.NotSupported(detail=self._NO_LIVE)

    def get_host_uptime(self):
        """The host's ``uptime`` line (compute.virt.diagnostics.uptime_line's shape)."""
        raise NotImplementedError()

    def get_diagnostics(self, instance):
        """Pre-2.48 diagnostics: a driver-specific flat dict of counters."""
        raise NotImplementedError()

    def get_instance_diagnostics(self, instance):
        """Standardized diagnostics (compute.virt.diagnostics.instance_diagnostics)."""
        raise NotImplementedError()


def load_driver(conf, name):
    """Load a driver by alias (``fake``, ``libvirt``) or dotted class path."""
    path = DRIVER_ALIASES.get(name, name)
    if '.' not in path:
        raise exception.VirtDriverNotFound(
            driver=name, reason=f'not an alias ({", ".join(sorted(DRIVER_ALIASES))}) nor a '
                                'dotted class path')
    module_name, _, class_name = path.rpartition('.')
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise exception.VirtDriverNotFound(driver=name, reason=str(exc)) from exc
    if not (isinstance(cls, type) and issubclass(cls, ComputeDriver)):
        raise exception.VirtDriverNotFound(driver=name, reason='not a ComputeDriver')
    return cls(conf)
