"""Host filters (Nova's ComputeFilter, AvailabilityZoneFilter, Core/Ram/DiskFilter
semantics, ignore_hosts, and the ServerGroupAffinityFilter / ServerGroupAntiAffinityFilter)."""

from cepheid.api.db import services as db_services


def compute_filter(host, request):
    """The host's compute service is enabled and up."""
    service = host['service']
    return (service is not None and not service['disabled']
            and db_services.is_up(service, request.service_down_time))


def _fits(total, ratio, used, wanted):
    return used + wanted <= total * ratio


def resources_filter(host, request):
    """Enough vCPU, RAM and disk for the flavor, with the host's allocation ratios."""
    node = host['node']
    return (_fits(node['vcpus'], node['cpu_allocation_ratio'], node['vcpus_used'],
                  request.vcpus)
            and _fits(node['memory_mb'], node['ram_allocation_ratio'], node['memory_mb_used'],
                      request.memory_mb)
            and _fits(node['local_gb'], node['disk_allocation_ratio'], node['local_gb_used'],
                      request.disk_gb))


def ignore_hosts_filter(host, request):
    """Not one of the hosts to avoid (the source host of a migration)."""
    return host['node']['host'] not in request.ignore_hosts


def requested_host_filter(host, request):
    """Only the host the request names, when it names one."""
    return request.host is None or host['node']['host'] == request.host


def availability_zone_filter(host, request):
    """In the zone the server was asked in (its host aggregates' zone, else ``nova``)."""
    return request.availability_zone is None or host['zone'] == request.availability_zone


def affinity_filter(host, request):
    """An ``affinity`` group's members share one host: once it has members, only theirs."""
    if request.group_policy != 'affinity' or not request.group_hosts:
        return True
    return host['node']['host'] in dict(request.group_hosts)


def anti_affinity_filter(host, request):
    """An ``anti-affinity`` group has at most max_server_per_host members on a host."""
    if request.group_policy != 'anti-affinity':
        return True
    if host['node']['host'] == request.moving_host:
        return True     # a move's own host (a resize that stays): Nova lets it pass
    members = dict(request.group_hosts).get(host['node']['host'], 0)
    return members < request.group_max_per_host


FILTERS = (requested_host_filter, ignore_hosts_filter, availability_zone_filter,
           compute_filter, resources_filter, affinity_filter, anti_affinity_filter)
