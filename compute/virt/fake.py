"""An in-memory virt driver with honest state changes, failure injection and a slow mode.

Used by the unit and functional tests and the all-in-one demo. It also records when each
call ran, so tests can prove operations on one instance never overlap.
"""

import dataclasses
import threading
import time

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute.virt import diagnostics
from cepheid.compute.virt import driver
from cepheid.compute.virt import fake_live


@dataclasses.dataclass
class FakeGuest:
    power_state: int = states.RUNNING
    id: int = 0
    boots: int = 1
    image_ref: str | None = None
    rescued: bool = False
    rescue_image_ref: str | None = None     # the image booted while rescued
    password: str | None = None
    crash_dumps: int = 0
    flavor_id: str | None = None            # the flavor it was last built or resized with
    console: list = dataclasses.field(default_factory=list)
    started_at: float = 0.0     # time.time() of the last boot
    disk_reads: int = 0         # requests the boots made (the kernel and init read vda)
    disk_writes: int = 0        # one per console line (the guest logs to its disk too)
    disk_written: int = 0       # bytes of those lines
    incoming: bool = False      # prepared by pre_live_migration, its memory not yet here


# Requests of BLOCK bytes a boot reads from the root disk (kernel, initrd, init).
BOOT_READS = 256
BLOCK = 4096


@dataclasses.dataclass
class CallRecord:
    method: str
    uuid: str
    start: float
    end: float | None = None


def _parse_failures(entries):
    """``['vm-a:reboot', 'vm-b']`` → ``{'vm-a': {'reboot'}, 'vm-b': None}`` (None: all)."""
    failures = {}
    for entry in entries:
        name, _, method = entry.strip().partition(':')
        if not method:
            failures[name] = None
        elif name not in failures or failures[name] is not None:
            failures.setdefault(name, set()).add(method)
    return failures


class FakeDriver(fake_live.FakeLiveMigration, driver.ComputeDriver):
    """Knobs for tests: ``delay`` (seconds each reboot or power action takes),
    ``ignore_acpi`` (uuids whose guest ignores a soft shutdown),
    ``fail(method, exc, power_state=None)``, ``set_power_state(uuid, power_state)``,
    ``holds[method]`` (a threading.Event: calls of ``method`` wait for it, 30 s at most);
    ``[fake_driver] fail_instance_names`` makes named instances' operations raise.

    Every call changes the guest as the libvirt driver would and emits the lifecycle events
    libvirt would (a reboot emits SHUTDOWN then RUNNING)."""

    def __init__(self, conf):
        super().__init__(conf)
        self.guests = {}
        self.delay = conf.fake_driver.reboot_delay
        self.ignore_acpi = set()
        self.ignore_acpi_all = conf.fake_driver.ignore_acpi
        self.calls = []
        self._failures = {}
        self.holds = {}
        self._lock = threading.Lock()
        self._next_id = 1
        self._active = {}
        self.max_overlap = {}
        self.max_concurrent_instances = 0
        self._escalations = {}
        self._configured_failures = _parse_failures(conf.fake_driver.fail_instance_names)
        self.started_at = time.time()     # the "host boot" its uptime line counts from
        # Seconds a live migration copies memory (tests set it to hold one open).
        self.live_migration_seconds = conf.fake_driver.live_migration_seconds
        self._live = {}     # uuid -> fake_live.Control of the live migration from here

    # -- test knobs -----------------------------------------------------------
    def fail(self, method, exc, power_state=None):
        """Make the next ``method`` call raise ``exc``, leaving the guest at ``power_state``."""
        self._failures[method] = (exc, power_state)

    def set_power_state(self, uuid, power_state):
        """Change a guest behind Cepheid's back (as a guest powering itself off would)."""
        self.guests[uuid].power_state = power_state
        self.emit_event(uuid, power_state)

    # -- bookkeeping ---------------------------------------------------------
    def _enter(self, method, uuid):
        with self._lock:
            self._active[uuid] = self._active.get(uuid, 0) + 1
            self.max_overlap[uuid] = max(self.max_overlap.get(uuid, 0), self._active[uuid])
            busy = sum(1 for n in self._active.values() if n)
            self.max_concurrent_instances = max(self.max_concurrent_instances, busy)
            record = CallRecord(method, uuid, time.monotonic())
            self.calls.append(record)
            failure = self._failures.pop(method, None)
        if failure:
            exc, power_state = failure
            if power_state is not None and uuid in self.guests:
                self.guests[uuid].power_state = power_state
            self._leave(record)
            raise exc
        return record

    def _leave(self, record):
        with self._lock:
            self._active[record.uuid] -= 1
            record.end = time.monotonic()

    @staticmethod
    def _new_guest(**fields):
        return FakeGuest(**fields)

    def _guest(self, instance):
        try:
            return self.guests[instance['uuid']]
        except KeyError:
            raise exception.InstanceDriverNotFound(instance_uuid=instance['uuid']) from None

    def _start(self, guest):
        with self._lock:
            guest.id = self._next_id
            self._next_id += 1
        guest.power_state = states.RUNNING
        guest.boots += 1
        if guest.rescued:
            booted = (f'rescue image {guest.rescue_image_ref} booted; '
                      f'disks: vda (rescue) vdb (image {guest.image_ref})')
        else:
            booted = f'image {guest.image_ref} booted; disks: vda'
        # A guest's serial console: firmware, kernel, then a login prompt, one line each.
        lines = [f'[boot {guest.boots}] {line}' for line in (
            booted, 'Linux version (fake guest kernel) booting', 'Reached target Multi-User',
            'login:')]
        guest.console.extend(lines)
        guest.started_at = time.time()
        guest.disk_reads += BOOT_READS
        guest.disk_writes += len(lines)
        guest.disk_written += sum(len(line) + 1 for line in lines)

    def _call(self, method, instance, action):
        name = instance.get('display_name')
        if name in self._configured_failures and (
                self._configured_failures[name] is None
                or method in self._configured_failures[name]):
            raise exception.VirtDriverError(
                reason=f'{method} of {name} fails '
                       f'([fake_driver] fail_instance_names)')
        record = self._enter(method, instance['uuid'])
        try:
            if method in self.holds:
                self.holds[method].wait(30)
            return action()
        finally:
            self._leave(record)

    # -- the contract ----------------------------------------------------------
    def init_host(self, host):
        self.host = host

    def get_available_resource(self):
        opts = self.conf.fake_driver
        return {'vcpus': opts.vcpus, 'memory_mb': opts.memory_mb, 'local_gb': opts.local_gb,
                'hypervisor_type': 'fake', 'hypervisor_version': 1000,
                'running_vms': len(self.guests)}

    def list_instance_uuids(self):
        return list(self.guests)

    def get_info(self, instance):
        guest = self._guest(instance)
        return driver.InstanceInfo(power_state=guest.power_state, id=guest.id)

    def spawn(self, instance):
        def _spawn():
            guest = self.guests.setdefault(instance['uuid'], FakeGuest(boots=0))
            guest.image_ref = instance.get('image_ref')
            guest.flavor_id = instance.get('flavor_id')
            self._start(guest)
            self.emit_event(instance['uuid'], states.RUNNING)
        self._call('spawn', instance, _spawn)

    def destroy(self, instance):
        def _destroy():
            guest = self.guests.pop(instance['uuid'], None)
            if guest is not None and guest.power_state != states.SHUTDOWN:
                self.emit_event(instance['uuid'], states.SHUTDOWN)
        self._call('destroy', instance, _destroy)

    def reboot(self, instance, reboot_type):
        self._call('reboot', instance, lambda: self._reboot(instance, reboot_type))

    def _reboot(self, instance, reboot_type):
        """Like libvirt: a SOFT reboot of a guest that is not running (or unknown) is hard."""
        uuid = instance['uuid']
        guest = self.guests.setdefault(uuid, FakeGuest(power_state=states.SHUTDOWN, boots=0))
        soft = reboot_type == 'SOFT' and guest.power_state == states.RUNNING
        escalate = threading.Event()
        self._escalations[uuid] = escalate
        try:
            if soft and uuid in self.ignore_acpi:
                # The guest never shuts down: wait, then fall back to hard.
                escalate.wait(self.conf.fake_driver.wait_soft_reboot_seconds)
            elif self.delay:
                escalate.wait(self.delay)
        finally:
            self._escalations.pop(uuid, None)
        guest.power_state = states.SHUTDOWN
        self.emit_event(uuid, states.SHUTDOWN)
        self._start(guest)
        self.emit_event(uuid, states.RUNNING)

    def escalate_reboot(self, instance_uuid):
        event = self._escalations.get(instance_uuid)
        if event is None:
            return False
        event.set()
        return True

    def _set_state(self, method, instance, power_state, *, allowed):
        def _change():
            guest = self._guest(instance)
            if self.delay:
                time.sleep(self.delay)
            if guest.power_state not in allowed:
                raise exception.VirtDriverError(
                    reason=f'cannot {method} a guest in power state {guest.power_state}')
            if power_state == states.RUNNING and guest.power_state == states.SHUTDOWN:
                self._start(guest)
            else:
                guest.power_state = power_state
            self.emit_event(instance['uuid'], power_state)
        self._call(method, instance, _change)

    def power_on(self, instance):
        self._set_state('power_on', instance, states.RUNNING,
                        allowed=(states.SHUTDOWN, states.CRASHED, states.RUNNING))

    def power_off(self, instance, timeout=0):
        self._set_state('power_off', instance, states.SHUTDOWN,
                        allowed=(states.RUNNING, states.PAUSED_POWER, states.SHUTDOWN,
                                 states.CRASHED, states.SUSPENDED_POWER))

    def pause(self, instance):
        self._set_state('pause', instance, states.PAUSED_POWER, allowed=(states.RUNNING,))

    def unpause(self, instance):
        self._set_state('unpause', instance, states.RUNNING, allowed=(states.PAUSED_POWER,))

    def suspend(self, instance):
        self._set_state('suspend', instance, states.SUSPENDED_POWER, allowed=(states.RUNNING,))

    def resume(self, instance):
        self._set_state('resume', instance, states.RUNNING, allowed=(states.SUSPENDED_POWER,))

    # -- rescue, crash dump, console, password ------------------------------------------
    def rescue(self, instance, *, rescue_image_ref=None, rescue_password=None):
        def _rescue():
            guest = self._guest(instance)
            if guest.rescued:
                raise exception.VirtDriverError(reason='the guest is already rescued')
            self._stop(instance['uuid'], guest)
            guest.rescued = True
            guest.rescue_image_ref = rescue_image_ref or instance.get('image_ref')
            guest.password = rescue_password
            self._start(guest)
            self.emit_event(instance['uuid'], states.RUNNING)
        self._call('rescue', instance, _rescue)

    def unrescue(self, instance):
        def _unrescue():
            guest = self._guest(instance)
            if not guest.rescued:
                raise exception.VirtDriverError(reason='the guest is not rescued')
            self._stop(instance['uuid'], guest)
            guest.rescued, guest.rescue_image_ref = False, None
            self._start(guest)
            self.emit_event(instance['uuid'], states.RUNNING)
        self._call('unrescue', instance, _unrescue)

    def _stop(self, uuid, guest):
        if self.delay:
            time.sleep(self.delay)
        if guest.power_state != states.SHUTDOWN:
            guest.power_state = states.SHUTDOWN
            self.emit_event(uuid, states.SHUTDOWN)

    def trigger_crash_dump(self, instance):
        def _nmi():
            guest = self._guest(instance)
            if guest.power_state not in (states.RUNNING, states.PAUSED_POWER):
                raise exception.InstanceNotRunning(instance_uuid=instance['uuid'])
            guest.crash_dumps += 1
            guest.console.append(f'[boot {guest.boots}] NMI received')
        self._call('trigger_crash_dump', instance, _nmi)

    def get_console_output(self, instance):
        return ''.join(line + '\n' for line in self._guest(instance).console)

    def set_admin_password(self, instance, new_pass):
        def _set():
            guest = self._guest(instance)
            if guest.power_state != states.RUNNING:
                raise exception.InstanceNotRunning(instance_uuid=instance['uuid'])
            guest.password = new_pass
        self._call('set_admin_password', instance, _set)

    # -- resize and cold migration: each compute's driver holds its own guests -------------
    def migrate_disk_and_power_off(self, instance, dest, flavor=None):
        def _off():
            guest = self._guest(instance)
            self._stop(instance['uuid'], guest)
        self._call('migrate_disk_and_power_off', instance, _off)

    def finish_migration(self, instance, power_on):
        def _finish():
            # A same-host resize reuses the guest; another host builds its own.
            guest = self.guests.setdefault(instance['uuid'], FakeGuest(boots=0))
            guest.image_ref = instance.get('image_ref')
            guest.flavor_id = instance.get('flavor_id')
            if power_on:
                self._stop(instance['uuid'], guest)
                self._start(guest)
                self.emit_event(instance['uuid'], states.RUNNING)
            else:
                guest.power_state = states.SHUTDOWN
        self._call('finish_migration', instance, _finish)

    def confirm_migration(self, instance):
        def _confirm():
            if instance.get('host') != getattr(self, 'host', None):
                self.guests.pop(instance['uuid'], None)
        self._call('confirm_migration', instance, _confirm)

    def finish_revert_migration(self, instance, power_on):
        def _revert():
            guest = self.guests.setdefault(instance['uuid'],
                                           FakeGuest(power_state=states.SHUTDOWN, boots=0))
            guest.flavor_id = instance.get('flavor_id')
            if power_on and guest.power_state != states.RUNNING:
                self._start(guest)
                self.emit_event(instance['uuid'], states.RUNNING)
        self._call('finish_revert_migration', instance, _revert)

    # -- host uptime and diagnostics (read only: no call record, no failure hooks) ------
    def get_host_uptime(self):
        """Counted from this driver's start, as ``uptime`` counts from the host's boot."""
        return diagnostics.uptime_line(time.time() - self.started_at, users=0,
                                       load=(0.0, 0.0, 0.0))

    def _usage(self, instance):
        """(guest, seconds up, cpu ns per vcpu): the guest idles at a tenth of a vcpu."""
        guest = self._guest(instance)
        up = max(0.0, time.time() - guest.started_at) if guest.power_state == \
            states.RUNNING else 0.0
        return guest, up, int(up * 1e9 / 10)

    def get_diagnostics(self, instance):
        """Pre-2.48 shape of Nova's libvirt driver: cpuN_time, memory, vda_*."""
        guest, _, cpu_ns = self._usage(instance)
        values = {f'cpu{n}_time': cpu_ns for n in range(int(instance['vcpus']))}
        memory_kib = int(instance['memory_mb']) * 1024
        values.update({'memory': memory_kib, 'memory-actual': memory_kib,
                       'vda_read': guest.disk_reads * BLOCK, 'vda_read_req': guest.disk_reads,
                       'vda_write': guest.disk_written, 'vda_write_req': guest.disk_writes,
                       'vda_errors': -1})
        return values

    def get_instance_diagnostics(self, instance):
        guest, up, cpu_ns = self._usage(instance)
        memory_mb = int(instance['memory_mb'])
        disks = [diagnostics.disk(read_bytes=guest.disk_reads * BLOCK,
                                  read_requests=guest.disk_reads,
                                  write_bytes=guest.disk_written,
                                  write_requests=guest.disk_writes, errors_count=0)]
        # Nova's fake driver answers as libvirt does (Nova's response schema knows no
        # 'fake' driver); the hypervisor names the fake one.
        return diagnostics.instance_diagnostics(
            state=states.POWER_STATE_NAMES[guest.power_state], driver='libvirt',
            hypervisor='fake', hypervisor_os='linux', uptime=int(up), config_drive=False,
            memory_max_mb=memory_mb, memory_used_mb=memory_mb // 2,
            cpus=[diagnostics.cpu(n, cpu_ns, 10) for n in range(int(instance['vcpus']))],
            disks=disks)
