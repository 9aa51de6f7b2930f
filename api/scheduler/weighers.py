"""Host weighers: Nova's ServerGroupSoftAffinityWeigher / SoftAntiAffinityWeigher (the
members of a ``soft-affinity`` group together, of a ``soft-anti-affinity`` one apart),
then its RAMWeigher (most free RAM first, so instances spread).

Not as Nova, which sums the weighers' normalized weights (each multiplier 1.0): here a
soft group's preference comes first and free RAM only orders the hosts it ties.
"""


def free_ram_mb(node):
    return node['memory_mb'] * node['ram_allocation_ratio'] - node['memory_mb_used']


def _group_rank(host, spec):
    """Lower first: members on the host (soft-anti-affinity), or fewer missing
    (soft-affinity, by the negated count); 0 for every host otherwise."""
    if spec is None or spec.group_policy not in ('soft-affinity', 'soft-anti-affinity'):
        return 0
    members = dict(spec.group_hosts).get(host['node']['host'], 0)
    return -members if spec.group_policy == 'soft-affinity' else members


def ordered(hosts, spec=None):
    """``hosts`` best first: the soft group policy of ``spec``, then most free RAM, then
    host name (a stable order)."""
    return sorted(hosts, key=lambda h: (_group_rank(h, spec), -free_ram_mb(h['node']),
                                        h['node']['host']))
