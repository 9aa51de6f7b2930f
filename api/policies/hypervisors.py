"""Policies of the os-hypervisors resource (Nova's names; admin only)."""

from cepheid.api.policies import base

HYPERVISORS = 'os_compute_api:os-hypervisors:%s'

rules = [
    base.rule(HYPERVISORS % 'list', base.ADMIN, 'List hypervisors',
              [('GET', '/os-hypervisors')]),
    base.rule(HYPERVISORS % 'list-detail', base.ADMIN, 'List hypervisors with details',
              [('GET', '/os-hypervisors/detail')]),
    base.rule(HYPERVISORS % 'statistics', base.ADMIN,
              'Show the hypervisors statistics (before 2.88)',
              [('GET', '/os-hypervisors/statistics')]),
    base.rule(HYPERVISORS % 'show', base.ADMIN, 'Show a hypervisor',
              [('GET', '/os-hypervisors/{hypervisor_id}')]),
    base.rule(HYPERVISORS % 'uptime', base.ADMIN, 'Show the uptime of a hypervisor '
              '(before 2.88)', [('GET', '/os-hypervisors/{hypervisor_id}/uptime')]),
    base.rule(HYPERVISORS % 'search', base.ADMIN, 'Search hypervisors by hostname pattern '
              '(before 2.53)', [('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/search')]),
    base.rule(HYPERVISORS % 'servers', base.ADMIN, 'List the servers of the hypervisors '
              'matching a hostname pattern (before 2.53)',
              [('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/servers')]),
]


def list_rules():
    return rules
