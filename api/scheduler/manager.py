"""select_destination: filter, weigh and claim — inside the caller's transaction.

The filters read a snapshot; the claim is a conditional UPDATE that re-checks the capacity
under the row lock, so a host another placement filled in between is a miss and the next
host is tried. No claim ever overcommits, however many api workers place at once.
"""

import dataclasses

from oslo_log import log as logging

from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import services as db_services
from cepheid.api.scheduler import filters
from cepheid.api.scheduler import weighers
from cepheid.common import exception

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'cepheid-compute'
DEFAULT_ZONE = 'nova'   # Nova's default_availability_zone: hosts in no zoned aggregate


@dataclasses.dataclass(frozen=True)
class RequestSpec:
    vcpus: int
    memory_mb: int
    disk_gb: int
    service_down_time: int
    host: str | None = None                 # a requested destination
    ignore_hosts: frozenset = frozenset()   # e.g. the source host of a migration
    availability_zone: str | None = None    # the zone the server was asked in
    # The server group the instance joins: its policy, max_server_per_host (anti-affinity)
    # and {host: number of its live members there}.
    group_policy: str | None = None
    group_max_per_host: int = 1
    group_hosts: tuple = ()

    @classmethod
    def for_flavor(cls, flavor, *, service_down_time, host=None, ignore_hosts=(),
                   availability_zone=None):
        return cls(vcpus=int(flavor['vcpus']), memory_mb=int(flavor['memory_mb']),
                   disk_gb=db_nodes.instance_disk_gb(flavor),
                   service_down_time=service_down_time, host=host,
                   ignore_hosts=frozenset(ignore_hosts), availability_zone=availability_zone)


def with_group(spec, group, group_hosts):
    """``spec`` for an instance joining ``group`` (db.server_groups row with members)."""
    return dataclasses.replace(
        spec, group_policy=group['policy'],
        group_max_per_host=int((group['rules'] or {}).get('max_server_per_host', 1)),
        group_hosts=tuple(sorted(group_hosts.items())))


def _hosts(session):
    services = {s['host']: s for s in
                db_services.service_list(session, binary=COMPUTE_BINARY)}
    zones = db_aggregates.host_zones(session)
    return [{'node': n, 'service': services.get(n['host']),
             'zone': zones.get(n['host'], DEFAULT_ZONE)} for n in db_nodes.get_all(session)]


def select_destination(session, spec):
    """Claim ``spec`` on the best host and return its name; NoValidHost when none fits."""
    candidates = [h for h in _hosts(session)
                  if all(f(h, spec) for f in filters.FILTERS)]
    for host in weighers.ordered(candidates):
        name = host['node']['host']
        if db_nodes.claim(session, host=name, vcpus=spec.vcpus, memory_mb=spec.memory_mb,
                          disk_gb=spec.disk_gb):
            return name
        LOG.debug('Claim on %s missed (filled concurrently), trying the next host', name)
    raise exception.NoValidHost(reason='There are not enough hosts available.')
