"""os-hypervisors views: summary, detail (trimmed at 2.88), statistics."""

from cepheid.api.views import services as service_views

# Dropped from the detail and show views at 2.88 (and with them the statistics API).
RESOURCE_FIELDS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
                   'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'disk_available_least',
                   'current_workload', 'running_vms')


def hypervisor_id(node, version):
    return node['uuid'] if version >= '2.53' else node['id']


def summary(node, service, *, version, is_up, servers=None):
    view = {
        'id': hypervisor_id(node, version),
        'hypervisor_hostname': node['hypervisor_hostname'],
        'state': 'up' if is_up else 'down',
        'status': 'disabled' if service and service['disabled'] else 'enabled',
    }
    if servers is not None and (servers or version >= '2.75'):
        view['servers'] = [{'name': f"instance-{s['id']:08x}", 'uuid': s['uuid']}
                           for s in servers]
    return view


def usage(node, workload):
    """The resource fields (before 2.88), from the report and the scheduler's claims."""
    free_disk_gb = node['local_gb'] - node['local_gb_used']
    return {
        'vcpus': node['vcpus'], 'memory_mb': node['memory_mb'], 'local_gb': node['local_gb'],
        'vcpus_used': node['vcpus_used'], 'memory_mb_used': node['memory_mb_used'],
        'local_gb_used': node['local_gb_used'],
        'free_ram_mb': node['memory_mb'] - node['memory_mb_used'],
        'free_disk_gb': free_disk_gb, 'disk_available_least': free_disk_gb,
        'current_workload': workload, 'running_vms': node['running_vms'],
    }


def detail(node, service, *, version, is_up, workload, servers=None, uptime=False,
           uptime_line=None):
    view = summary(node, service, version=version, is_up=is_up, servers=servers)
    view.update(hypervisor_type=node['hypervisor_type'],
                hypervisor_version=node['hypervisor_version'], host_ip=node['host_ip'])
    if service is not None:
        view['service'] = {
            'host': service['host'], 'disabled_reason': service['disabled_reason'],
            'id': service_views.service_uuid(service) if version >= '2.53' else service['id']}
    if version < '2.88':
        view.update(usage(node, workload))
        view['cpu_info'] = {} if version >= '2.28' else '{}'
    elif uptime:
        view['uptime'] = uptime_line   # the compute's ``uptime`` line (show, 2.88+)
    return view


def statistics(nodes, workloads):
    totals = {'count': len(nodes), **dict.fromkeys(RESOURCE_FIELDS, 0)}
    for node in nodes:
        for key, value in usage(node, workloads.get(node['host'], 0)).items():
            totals[key] += value
    return totals
