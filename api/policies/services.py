"""Policies of the os-services resource."""

from cepheid.api.policies import base

SERVICES = 'os_compute_api:os-services:%s'

rules = [
    base.rule(SERVICES % 'list', base.ADMIN, 'List compute services',
              [('GET', '/os-services')]),
    base.rule(SERVICES % 'update', base.ADMIN,
              'Update a compute service: enable, disable (with a reason), force down',
              [('PUT', '/os-services/{service_id}'), ('PUT', '/os-services/enable'),
               ('PUT', '/os-services/disable'), ('PUT', '/os-services/disable-log-reason'),
               ('PUT', '/os-services/force-down')]),
    base.rule(SERVICES % 'delete', base.ADMIN, 'Delete a compute service',
              [('DELETE', '/os-services/{service_id}')]),
]


def list_rules():
    return rules
