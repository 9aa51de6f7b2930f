"""LibvirtDriver: the ComputeDriver contract on libvirt (qemu:///system, test:///...)."""

from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute.virt import driver
from cepheid.compute.virt.libvirt import config
from cepheid.compute.virt.libvirt import connection
from cepheid.compute.virt.libvirt import diagnostics
from cepheid.compute.virt.libvirt import events
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import guest_wait
from cepheid.compute.virt.libvirt import images
from cepheid.compute.virt.libvirt import instance_files
from cepheid.compute.virt.libvirt import live_migration
from cepheid.compute.virt.libvirt import migration
from cepheid.compute.virt.libvirt import power
from cepheid.compute.virt.libvirt import reboot
from cepheid.compute.virt.libvirt import reconnect
from cepheid.compute.virt.libvirt import rescue
from cepheid.compute.virt.libvirt import resync

LOG = logging.getLogger(__name__)

_ANY = (states.NOSTATE, states.RUNNING, states.PAUSED_POWER, states.SHUTDOWN,
        states.CRASHED, states.SUSPENDED_POWER)


class LibvirtDriver(driver.ComputeDriver):
    """Guests are libvirt domains named ``instance-<uuid>``; see DESIGN.md §7.

    ``poll_interval`` is how often a wait re-checks a guest when no lifecycle event
    arrives; ``rebooter`` holds the soft→hard fallback count and per-instance timings.
    """

    poll_interval = 0.5

    def __init__(self, conf):
        super().__init__(conf)
        self.host_name = conf.host
        self.host = None
        self.domain_type = None
        self.waiter = guest_wait.GuestWaiter()
        self.rebooter = reboot.Rebooter(self)
        self.rescuer = rescue.Rescuer(self)
        self.migrator = migration.Migrator(self)
        self.live_migrator = live_migration.LiveMigrator(self)
        self._dispatcher = events.EventDispatcher(self.emit_event)

    # -- connection and events -----------------------------------------------------
    def init_host(self, host):
        self.host_name = host
        if self.host is not None:
            self.host.close()
        self._dispatcher.start()
        self.host = connection.Host(
            connection.uri_for(self.conf), host, self._on_lifecycle,
            reconnect_cb=self._after_reconnect,
            reconnect_timeout=self.conf.libvirt.reconnect_timeout,
            backoff=reconnect.Backoff(maximum=self.conf.libvirt.reconnect_max_interval))
        self.domain_type = None
        self._ready()
        LOG.info('libvirt driver ready on %s (domain type %s)', self.host.uri, self.domain_type)

    def cleanup_host(self, host):
        if self.host is not None:
            self.host.close()
        self._dispatcher.stop()

    def _domain_type_for(self, conn):
        if conn.getType().lower() == 'test':
            return 'test'
        # KVM only when configured explicitly: TCG is the safe default.
        return 'kvm' if self.conf.libvirt.virt_type == 'kvm' else 'qemu'

    def _on_lifecycle(self, uuid, event, detail):
        """Runs on the libvirt event loop thread: wake waiters, queue the power state."""
        self.waiter.notify(uuid)
        power_state = power.from_event(event, detail)
        if power_state is not None:
            self._dispatcher.put(uuid, power_state)

    def _after_reconnect(self):
        """Runs on the reconnector thread: every guest's state is reported again, and
        every wait re-checks its guest now."""
        resync.resync(self.host, self._report)

    def _report(self, uuid, power_state):
        self.waiter.notify(uuid)
        self._dispatcher.put(uuid, power_state)

    def _ready(self):
        """The Host, connected (HypervisorUnavailable if not), with the domain type known."""
        if self.host is None:
            self.init_host(self.host_name)
        if self.domain_type is None:
            self.domain_type = self.host.call(self._domain_type_for)
        return self.host

    # -- helpers used by the reboot flows --------------------------------------------
    def define_guest(self, instance):
        """(Re)generate the domain XML from the instance record and define it."""
        self._ready()
        instance = {**instance, **images.boot_files(self.conf, instance)}
        paths = instance_files.paths_for(self.conf.libvirt.instances_path, instance)
        instance_files.ensure(paths, instance)
        xml = config.build_domain_xml(instance, paths, domain_type=self.domain_type)
        instance_files.write_xml(paths, xml)
        return guest.define(self.host, xml)

    def _wait_for(self, uuid, reached, timeout):
        """True once ``reached(state)`` holds for the freshly looked-up guest (None when it
        is gone), woken by lifecycle events, polling as fallback."""
        return self._reading(uuid, reached, timeout)[0]

    def _reading(self, uuid, reached, timeout):
        """``(reached, the last GuestState read or None)`` of such a wait."""
        with self.waiter.waiting(uuid) as wait:
            result, state = self.read_until(wait, uuid, reached, timeout)
        return result is guest_wait.WaitResult.REACHED, state

    def read_until(self, wait, uuid, reached, timeout):
        """Run ``wait`` (a guest_wait.Wait of ``uuid``) until ``reached(state)`` holds for
        the freshly looked-up guest: ``(WaitResult, the last GuestState read or None)``."""
        last = [None]

        def check():
            last[0] = guest.find_state(self.host, uuid)
            return reached(last[0])
        return wait.until(check, timeout, self.poll_interval), last[0]

    def wait_for_running(self, uuid, timeout=None):
        """The guest's GuestState once it is RUNNING (None if it is not within ``[libvirt]
        wait_running_seconds``)."""
        if timeout is None:
            timeout = self.conf.libvirt.wait_running_seconds
        reached, state = self._reading(
            uuid, lambda state: state is not None and state.running, timeout)
        return state if reached else None

    def _wait_stopped(self, uuid, timeout):
        return self._wait_for(uuid, lambda state: state is None or not state.active, timeout)

    # -- the contract -------------------------------------------------------------------
    def list_instance_uuids(self):
        host = self._ready()
        return host.call(lambda conn: [dom.UUIDString() for dom in conn.listAllDomains()])

    def get_available_resource(self):
        """From nodeinfo (getInfo: model, memory MiB, cpus, ...) and the instances path's
        file system."""
        def read(conn):
            info = conn.getInfo()
            return {'vcpus': int(info[2]), 'memory_mb': int(info[1]),
                    'hypervisor_type': conn.getType(),
                    'hypervisor_version': int(conn.getVersion()),
                    'hypervisor_hostname': conn.getHostname(),
                    'running_vms': int(conn.numOfDomains())}
        resources = self._ready().call(read)
        resources['local_gb'] = instance_files.disk_gb(self.conf.libvirt.instances_path)
        return resources

    def get_info(self, instance):
        uuid = instance['uuid']
        with guest.translated(uuid, exception.VirtDriverError):
            state = guest.get_state(self._ready(), uuid)
        return driver.InstanceInfo(power_state=state.power_state, id=state.id)

    def spawn(self, instance):
        uuid = instance['uuid']
        with guest.translated(uuid, exception.InstanceSpawnFailure):
            self.define_guest(instance)
            guest.call(self.host, uuid, 'create')
        if not self.wait_for_running(uuid):
            raise exception.InstanceSpawnFailure(reason='guest did not reach RUNNING')

    def destroy(self, instance):
        uuid = instance['uuid']
        with guest.translated(uuid, exception.VirtDriverError):
            guest.destroy(self._ready(), uuid)
            guest.undefine(self.host, uuid)
        instance_files.remove(self.conf.libvirt.instances_path,
                              instance_files.paths_for(self.conf.libvirt.instances_path,
                                                       instance))

    def reboot(self, instance, reboot_type):
        self._ready()
        self.rebooter.reboot(instance, reboot_type)

    def escalate_reboot(self, instance_uuid):
        return self.waiter.escalate(instance_uuid)

    def _transition(self, method, instance, allowed, action, error_cls):
        """Check the guest's power state is in ``allowed``, then run ``action(state)``."""
        uuid = instance['uuid']
        with guest.translated(uuid, error_cls):
            state = guest.get_state(self._ready(), uuid)
            if state.power_state not in allowed:
                raise exception.VirtDriverError(
                    reason=f'cannot {method} a guest in power state {state.power_state}')
            action(state)

    def _start(self, uuid, error_cls):
        guest.call(self.host, uuid, 'create')
        if not self.wait_for_running(uuid):
            raise error_cls(reason='guest did not reach RUNNING')

    def power_on(self, instance):
        def _on(state):
            if not state.running:
                self._start(instance['uuid'], exception.InstancePowerOnFailure)
        self._transition('power_on', instance,
                         (states.SHUTDOWN, states.CRASHED, states.RUNNING), _on,
                         exception.InstancePowerOnFailure)

    def power_off(self, instance, timeout=0):
        uuid = instance['uuid']

        def _off(state):
            if state.has_managed_save:
                guest.call(self.host, uuid, 'managedSaveRemove', 0)
                return
            if timeout > 0 and state.running:
                guest.call(self.host, uuid, 'shutdown')
                if self._wait_stopped(uuid, timeout):
                    return
            guest.destroy(self.host, uuid)
        self._transition('power_off', instance, _ANY, _off, exception.InstancePowerOffFailure)

    def pause(self, instance):
        self._transition('pause', instance, (states.RUNNING,),
                         lambda _s: guest.call(self.host, instance['uuid'], 'suspend'),
                         exception.VirtDriverError)

    def unpause(self, instance):
        self._transition('unpause', instance, (states.PAUSED_POWER,),
                         lambda _s: guest.call(self.host, instance['uuid'], 'resume'),
                         exception.VirtDriverError)

    def suspend(self, instance):
        self._transition('suspend', instance, (states.RUNNING,),
                         lambda _s: guest.call(self.host, instance['uuid'], 'managedSave', 0),
                         exception.VirtDriverError)

    def resume(self, instance):
        self._transition('resume', instance, (states.SUSPENDED_POWER,),
                         lambda _s: self._start(instance['uuid'], exception.VirtDriverError),
                         exception.VirtDriverError)

    # -- rescue, crash dump, console, password (compute/virt/libvirt/rescue.py) ----------
    def rescue(self, instance, *, rescue_image_ref=None, rescue_password=None):
        # Without a guest agent the rescue password cannot reach the guest (as in Nova).
        self.rescuer.rescue(instance, rescue_image_ref)

    def unrescue(self, instance):
        self.rescuer.unrescue(instance)

    def trigger_crash_dump(self, instance):
        self.rescuer.trigger_crash_dump(instance)

    def get_console_output(self, instance):
        return self.rescuer.console_output(instance)

    def set_admin_password(self, instance, new_pass):
        # Nova needs the image property hw_qemu_guest_agent; Cepheid's images have none.
        raise exception.InstanceAgentNotEnabled()

    # -- resize and cold migration (compute/virt/libvirt/migration.py) ------------------
    def migrate_disk_and_power_off(self, instance, dest, flavor=None):
        self._ready()
        self.migrator.migrate_disk_and_power_off(instance, dest, flavor or instance)

    def finish_migration(self, instance, power_on):
        self._ready()
        self.migrator.finish_migration(instance, power_on)

    def confirm_migration(self, instance):
        self._ready()
        self.migrator.confirm_migration(instance)

    def finish_revert_migration(self, instance, power_on):
        self._ready()
        self.migrator.finish_revert_migration(instance, power_on)

    # -- live migration (compute/virt/libvirt/live_migration.py) ------------------------
    def pre_live_migration(self, instance, migrate_data):
        self._ready()
        return self.live_migrator.pre_live_migration(instance, migrate_data)

    def live_migration(self, instance, dest, migrate_data):
        return self.live_migrator.live_migration(instance, dest, migrate_data)

    def live_migration_abort(self, instance):
        self.live_migrator.live_migration_abort(instance)

    def live_migration_force_complete(self, instance):
        self.live_migrator.live_migration_force_complete(instance)

    def post_live_migration_at_destination(self, instance, migrate_data):
        self.live_migrator.post_live_migration_at_destination(instance, migrate_data)

    def rollback_live_migration_at_destination(self, instance):
        self.live_migrator.rollback_live_migration_at_destination(instance)

    # -- host uptime and diagnostics (compute/virt/libvirt/diagnostics.py) ---------------
    def get_host_uptime(self):
        return diagnostics.host_uptime_line()

    def get_diagnostics(self, instance):
        with guest.translated(instance['uuid'], exception.VirtDriverError):
            return diagnostics.legacy(diagnostics.read(self._ready(), instance['uuid']))

    def get_instance_diagnostics(self, instance):
        with guest.translated(instance['uuid'], exception.VirtDriverError):
            stats = diagnostics.read(self._ready(), instance['uuid'])
        return diagnostics.standardized(stats, instance, hypervisor=self.domain_type)
