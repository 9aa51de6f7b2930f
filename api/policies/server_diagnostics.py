"""Policy of GET /servers/{server_id}/diagnostics (Nova's name; admin only)."""

from cepheid.api.policies import base

DIAGNOSTICS = 'os_compute_api:os-server-diagnostics'

rules = [
    base.rule(DIAGNOSTICS, base.ADMIN, 'Show the usage data of a server',
              [('GET', '/servers/{server_id}/diagnostics')]),
]


def list_rules():
    return rules
