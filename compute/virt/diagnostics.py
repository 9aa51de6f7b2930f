"""Nova's standardized instance diagnostics (2.48) and the host ``uptime`` line.

Drivers build their answers with these helpers so every driver returns the same shape:
``instance_diagnostics`` gives the dict the API's 2.48 view shows (Nova's Diagnostics
object as a primitive), ``uptime_line`` the text of the ``uptime`` command.
"""

import time

# Nova's HypervisorDriver values the 2.48 response may carry.
DRIVERS = ('libvirt', 'xenapi', 'vmwareapi', 'ironic', 'hyperv')
_NIC_FIELDS = ('rx_octets', 'rx_errors', 'rx_drop', 'rx_packets', 'rx_rate',
               'tx_octets', 'tx_errors', 'tx_drop', 'tx_packets', 'tx_rate')
_DISK_FIELDS = ('read_bytes', 'read_requests', 'write_bytes', 'write_requests',
                'errors_count')


def cpu(cpu_id, time_ns=None, utilisation=None):
    return {'id': cpu_id, 'time': time_ns, 'utilisation': utilisation}


def nic(mac_address=None, **counters):
    unknown = set(counters) - set(_NIC_FIELDS)
    if unknown:
        raise TypeError(f'unknown nic counters {sorted(unknown)}')
    return {'mac_address': mac_address, **{f: counters.get(f) for f in _NIC_FIELDS}}


def disk(**counters):
    unknown = set(counters) - set(_DISK_FIELDS)
    if unknown:
        raise TypeError(f'unknown disk counters {sorted(unknown)}')
    return {f: counters.get(f) for f in _DISK_FIELDS}


def instance_diagnostics(*, state, driver, hypervisor=None, hypervisor_os=None, uptime=None,
                         config_drive=False, memory_max_mb=None, memory_used_mb=None,
                         cpus=(), nics=(), disks=()):
    """The standardized diagnostics; ``state`` is a power state name (``running``...)."""
    if driver not in DRIVERS:
        raise ValueError(f'driver {driver!r} is not one of {DRIVERS}')
    return {
        'state': state, 'driver': driver, 'hypervisor': hypervisor,
        'hypervisor_os': hypervisor_os, 'uptime': uptime, 'config_drive': config_drive,
        'num_cpus': len(cpus), 'num_nics': len(nics), 'num_disks': len(disks),
        'memory_details': {'maximum': memory_max_mb, 'used': memory_used_mb},
        'cpu_details': list(cpus), 'nic_details': list(nics), 'disk_details': list(disks),
    }


def _clock_span(minutes):
    hours, minutes = divmod(minutes, 60)
    return f'{hours:2d}:{minutes:02d}' if hours else f'{minutes} min'


def uptime_line(up_seconds, *, now=None, users=0, load=(0.0, 0.0, 0.0)):
    """The line procps ``uptime`` prints: `` 16:05:11 up 3 days,  4:02,  0 users,  load
    average: 0.10, 0.20, 0.30`` (the clock in local time of ``now``, epoch seconds)."""
    clock = time.strftime('%H:%M:%S', time.localtime(time.time() if now is None else now))
    days, rest = divmod(int(up_seconds) // 60, 24 * 60)
    span = f"{days} day{'s' if days != 1 else ''}, " if days else ''
    span += _clock_span(rest)
    return (f" {clock} up {span},  {users} user{'s' if users != 1 else ''},  "
            f"load average: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
