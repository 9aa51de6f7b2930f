"""The 2.48 diagnostics view: Nova's standardized fields, in Nova's shapes."""

PRIMITIVE_FIELDS = ('state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime',
                    'config_drive', 'num_cpus', 'num_nics', 'num_disks')
CPU_FIELDS = ('id', 'time', 'utilisation')
NIC_FIELDS = ('mac_address', 'rx_octets', 'rx_errors', 'rx_drop', 'rx_packets', 'rx_rate',
              'tx_octets', 'tx_errors', 'tx_drop', 'tx_packets', 'tx_rate')
DISK_FIELDS = ('read_bytes', 'read_requests', 'write_bytes', 'write_requests', 'errors_count')


def _pick(item, fields):
    return {field: item.get(field) for field in fields}


def instance_diagnostics(diagnostics):
    """Every field present (None when the driver could not tell), nothing else."""
    view = _pick(diagnostics, PRIMITIVE_FIELDS)
    view['config_drive'] = bool(view['config_drive'])
    view['cpu_details'] = [_pick(c, CPU_FIELDS) for c in diagnostics.get('cpu_details') or []]
    view['nic_details'] = [_pick(n, NIC_FIELDS) for n in diagnostics.get('nic_details') or []]
    view['disk_details'] = [_pick(d, DISK_FIELDS)
                            for d in diagnostics.get('disk_details') or []]
    view['num_cpus'] = len(view['cpu_details'])
    view['num_nics'] = len(view['nic_details'])
    view['num_disks'] = len(view['disk_details'])
    view['memory_details'] = _pick(diagnostics.get('memory_details') or {}, ('maximum', 'used'))
    return view
