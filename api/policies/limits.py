"""Policies of the limits resource (Nova's defaults)."""

from cepheid.api.policies import base

LIMITS = 'os_compute_api:limits'
OTHER_PROJECT = 'os_compute_api:limits:other_project'

rules = [
    # Nova: any authenticated caller may see the limits of its own project.
    base.rule(LIMITS, '@', 'Show rate and absolute limits for the current user project',
              [('GET', '/limits')]),
    base.rule(OTHER_PROJECT, base.ADMIN,
              'Show rate and absolute limits of another project (?tenant_id=)',
              [('GET', '/limits')]),
]


def list_rules():
    return rules
