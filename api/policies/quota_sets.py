"""Policies of quota sets (os-quota-sets), Nova's defaults."""

from cepheid.api.policies import base

QUOTAS = 'os_compute_api:os-quota-sets:%s'
_SET = '/os-quota-sets/{tenant_id}'

rules = [
    base.rule(QUOTAS % 'update', base.ADMIN, 'Update the quotas of a project or user',
              [('PUT', _SET)]),
    base.rule(QUOTAS % 'defaults', '@', 'List the default quotas',
              [('GET', _SET + '/defaults')]),
    base.rule(QUOTAS % 'show', base.PROJECT_READER_OR_ADMIN,
              'Show the quotas of a project or user', [('GET', _SET)]),
    base.rule(QUOTAS % 'delete', base.ADMIN,
              'Revert the quotas of a project or user to the defaults', [('DELETE', _SET)]),
    base.rule(QUOTAS % 'detail', base.PROJECT_READER_OR_ADMIN,
              'Show the quotas of a project or user with their usage',
              [('GET', _SET + '/detail')]),
]


def list_rules():
    return rules
