"""Diagnostics of a libvirt guest and the host's uptime line, as Nova's libvirt driver reads them.

The domain's info() gives state, memory and vcpus; vcpus() the per-vcpu CPU time;
blockStats/interfaceStats the counters of each disk and interface of the domain XML. A
counter the hypervisor cannot give (libvirtError, as the test driver answers for some)
stays None, or is left out of the pre-2.48 dict, as in Nova.
"""

import os
import xml.etree.ElementTree as ET

import libvirt
from oslo_utils import timeutils

from cepheid.common import states
from cepheid.compute.virt import diagnostics
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import power

PROC_UPTIME = '/proc/uptime'
PROC_LOADAVG = '/proc/loadavg'


def host_uptime_line(proc_uptime=PROC_UPTIME, proc_loadavg=PROC_LOADAVG):
    """What ``uptime`` prints on this host, from /proc (no process started)."""
    with open(proc_uptime) as handle:
        up = float(handle.read().split()[0])
    with open(proc_loadavg) as handle:
        load = tuple(float(v) for v in handle.read().split()[:3])
    return diagnostics.uptime_line(up, users=_logged_in_users(), load=load)


def _logged_in_users():
    try:
        return len([u for u in os.listdir('/dev/pts') if u.isdigit()])
    except OSError:
        return 0


def _safe(fn, *args):
    try:
        return fn(*args)
    except libvirt.libvirtError:
        return None


def _devices(dom):
    """(disk target devs, [(interface target dev, mac)]) of the live domain XML."""
    root = ET.fromstring(dom.XMLDesc(0))
    disks = [t.get('dev') for t in root.findall('./devices/disk/target') if t.get('dev')]
    nics = []
    for iface in root.findall('./devices/interface'):
        target, mac = iface.find('target'), iface.find('mac')
        nics.append((target.get('dev') if target is not None else None,
                     mac.get('address') if mac is not None else None))
    return disks, nics


def _read(conn, uuid):
    dom = guest.lookup(conn, uuid)
    state, max_kib, used_kib, nr_vcpus, cpu_ns = dom.info()
    vcpus = _safe(dom.vcpus)
    cpu_times = [v[2] for v in vcpus[0]] if vcpus else [None] * nr_vcpus
    disks, nics = _devices(dom)
    return {
        'power_state': power.from_domain_state(state, False),
        'max_kib': max_kib, 'used_kib': used_kib, 'cpu_times': cpu_times,
        'disks': {dev: _safe(dom.blockStats, dev) for dev in disks},
        'nics': [(dev, mac, _safe(dom.interfaceStats, dev) if dev else None)
                 for dev, mac in nics],
    }


def read(host, uuid):
    return host.call(lambda conn: _read(conn, uuid))


def legacy(stats):
    """Pre-2.48: Nova's libvirt keys (cpuN_time, <disk>_read..., <nic>_rx..., memory)."""
    values = {f'cpu{n}_time': t for n, t in enumerate(stats['cpu_times']) if t is not None}
    for dev, block in stats['disks'].items():
        if block is not None:
            rd_req, rd_bytes, wr_req, wr_bytes, errs = block
            values.update({f'{dev}_read_req': rd_req, f'{dev}_read': rd_bytes,
                           f'{dev}_write_req': wr_req, f'{dev}_write': wr_bytes,
                           f'{dev}_errors': errs})
    for dev, _mac, nic in stats['nics']:
        if nic is not None:
            names = ('rx', 'rx_packets', 'rx_errors', 'rx_drop',
                     'tx', 'tx_packets', 'tx_errors', 'tx_drop')
            values.update({f'{dev}_{name}': value for name, value in zip(names, nic, strict=True)})
    values['memory'] = stats['max_kib']
    values['memory-actual'] = stats['used_kib']
    return values


def _nic(mac, counters):
    if counters is None:
        return diagnostics.nic(mac)
    rx, rx_packets, rx_errors, rx_drop, tx, tx_packets, tx_errors, tx_drop = counters
    return diagnostics.nic(mac, rx_octets=rx, rx_packets=rx_packets, rx_errors=rx_errors,
                           rx_drop=rx_drop, tx_octets=tx, tx_packets=tx_packets,
                           tx_errors=tx_errors, tx_drop=tx_drop)


def _disk(block):
    if block is None:
        return diagnostics.disk()
    rd_req, rd_bytes, wr_req, wr_bytes, errs = block
    return diagnostics.disk(read_bytes=rd_bytes, read_requests=rd_req, write_bytes=wr_bytes,
                            write_requests=wr_req, errors_count=errs)


def standardized(stats, instance, *, hypervisor):
    """2.48: Nova's Diagnostics (memory in MiB; uptime since launched_at)."""
    uptime = None
    if instance.get('launched_at'):
        launched = timeutils.normalize_time(timeutils.parse_isotime(
            str(instance['launched_at'])))
        uptime = int(timeutils.delta_seconds(launched, timeutils.utcnow()))
    return diagnostics.instance_diagnostics(
        state=states.POWER_STATE_NAMES[stats['power_state']], driver='libvirt',
        hypervisor=hypervisor, hypervisor_os='linux', uptime=uptime, config_drive=False,
        memory_max_mb=stats['max_kib'] // 1024, memory_used_mb=stats['used_kib'] // 1024,
        cpus=[diagnostics.cpu(n, t) for n, t in enumerate(stats['cpu_times'])],
        nics=[_nic(mac, counters) for _dev, mac, counters in stats['nics']],
        disks=[_disk(block) for block in stats['disks'].values()])
