"""Host weighers: Nova's RAMWeigher (most free RAM first, so instances spread)."""


def free_ram_mb(node):
    return node['memory_mb'] * node['ram_allocation_ratio'] - node['memory_mb_used']


def ordered(hosts):
    """``hosts`` best first: most free RAM, then host name (a stable order)."""
    return sorted(hosts, key=lambda h: (-free_ram_mb(h['node']), h['node']['host']))
