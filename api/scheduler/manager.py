"""select_destination: filter, weigh and claim — inside the caller's transaction.

The filters read a snapshot; the claim is a conditional UPDATE that re-checks the capacity
under the row lock, so a host another placement filled in between is a miss and the next
host is tried. No claim ever overcommits, however many api workers place at once.
"""

import dataclasses

from oslo_log import log as logging

from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import server_groups as db_groups
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
    # A move's instance: the host it is on passes the anti-affinity filter (Nova's
    # ``spec_obj.instance_uuid in host_state.instances``: a resize may stay there).
    moving_host: str | None = None

    @classmethod
    def for_flavor(cls, flavor, *, service_down_time, host=None, ignore_hosts=(),
                   availability_zone=None):
        return cls(vcpus=int(flavor['vcpus']), memory_mb=int(flavor['memory_mb']),
                   disk_gb=db_nodes.instance_disk_gb(flavor),
                   service_down_time=service_down_time, host=host,
                   ignore_hosts=frozenset(ignore_hosts), availability_zone=availability_zone)


def with_group(spec, group, group_hosts, *, moving_host=None):
    """``spec`` for an instance joining ``group`` (db.server_groups row with members), or
    (``moving_host``: where it is now) for a member of ``group`` that moves."""
    return dataclasses.replace(
        spec, group_policy=group['policy'],
        group_max_per_host=int((group['rules'] or {}).get('max_server_per_host', 1)),
        group_hosts=tuple(sorted(group_hosts.items())), moving_host=moving_host)


def for_move(session, spec, instance):
    """``spec`` of a move of ``instance`` with the policy of its server group, if any
    (Nova's setup_instance_group: the hosts of every member, the mover's own included,
    so an affinity member has nowhere else to go)."""
    group = db_groups.group_of(session, instance['uuid'])
    if group is None:
        return spec
    return with_group(spec, group, db_groups.hosts_of_members(session, group['uuid']),
                      moving_host=instance['host'])


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
    for host in weighers.ordered(candidates, spec):
        name = host['node']['host']
        if db_nodes.claim(session, host=name, vcpus=spec.vcpus, memory_mb=spec.memory_mb,
                          disk_gb=spec.disk_gb):
            return name
        LOG.debug('Claim on %s missed (filled concurrently), trying the next host', name)
    raise exception.NoValidHost(reason='There are not enough hosts available.')


def claim_forced_host(session, host, flavor, instance_uuid):
    """A forced destination (Nova's ``force`` of evacuate 2.29-2.67 and os-migrateLive
    2.30-2.67, or any named host before those): no filter runs, not even the server
    group's; the host's capacity is still claimed (Nova's
    claim_resources_on_destination), NoValidHost when it has none left."""
    if db_nodes.claim(session, host=host, vcpus=int(flavor['vcpus']),
                      memory_mb=int(flavor['memory_mb']),
                      disk_gb=db_nodes.instance_disk_gb(flavor)):
        return host
    raise exception.NoValidHost(
        reason=f'Unable to move instance {instance_uuid} to host {host}. There is not '
               'enough capacity on the host for the instance.')


def move_destination(session, instance, flavor, host, *, forced, service_down_time):
    """Where a live migration or an evacuation of ``instance`` goes, claimed: ``host``
    as is when ``forced`` (claim_forced_host), else the best host for ``flavor`` other
    than the instance's own, in its zone, under its server group's policy."""
    if forced:
        return claim_forced_host(session, host, flavor, instance['uuid'])
    spec = RequestSpec.for_flavor(
        flavor, service_down_time=service_down_time, host=host,
        ignore_hosts=(instance['host'],), availability_zone=instance['availability_zone'])
    return select_destination(session, for_move(session, spec, instance))
