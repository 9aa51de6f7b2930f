"""Policies of the access list of non-public flavors (os-flavor-access)."""

from cepheid.api.policies import base

ACCESS = 'os_compute_api:os-flavor-access'
ACCESS_ACTION = ACCESS + ':%s'

_ACTION = '/flavors/{flavor_id}/action'

rules = [
    base.rule(ACCESS, base.ADMIN, 'List the projects that may use a non-public flavor',
              [('GET', '/flavors/{flavor_id}/os-flavor-access')]),
    base.rule(ACCESS_ACTION % 'add_tenant_access', base.ADMIN,
              'Let a project use a non-public flavor', [('POST', _ACTION + ' (addTenantAccess)')]),
    base.rule(ACCESS_ACTION % 'remove_tenant_access', base.ADMIN,
              "Take back a project's access to a non-public flavor",
              [('POST', _ACTION + ' (removeTenantAccess)')]),
]


def list_rules():
    return rules
