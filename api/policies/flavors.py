"""Policies of flavor management (os-flavor-manage); listing and showing need none."""

from cepheid.api.policies import base

MANAGE = 'os_compute_api:os-flavor-manage:%s'

rules = [
    base.rule(MANAGE % 'create', base.ADMIN, 'Create a flavor', [('POST', '/flavors')]),
    base.rule(MANAGE % 'update', base.ADMIN, "Update a flavor's description (2.55+)",
              [('PUT', '/flavors/{flavor_id}')]),
    base.rule(MANAGE % 'delete', base.ADMIN, 'Delete a flavor',
              [('DELETE', '/flavors/{flavor_id}')]),
]


def list_rules():
    return rules
