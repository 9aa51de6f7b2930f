"""Policies of os-simple-tenant-usage (Nova's names and defaults)."""

from cepheid.api.policies import base

USAGE = 'os_compute_api:os-simple-tenant-usage:%s'

rules = [
    base.rule(USAGE % 'list', base.ADMIN, 'List per tenant usage statistics for all tenants',
              [('GET', '/os-simple-tenant-usage')]),
    base.rule(USAGE % 'show', base.PROJECT_READER_OR_ADMIN,
              'Show usage statistics for a specific tenant',
              [('GET', '/os-simple-tenant-usage/{tenant_id}')]),
]


def list_rules():
    return rules
