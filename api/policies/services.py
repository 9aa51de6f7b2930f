"""Policies of the os-services resource."""

from cepheid.api.policies import base

SERVICES = 'os_compute_api:os-services:%s'

rules = [
    base.rule(SERVICES % 'list', base.ADMIN, 'List compute services',
              [('GET', '/os-services')]),
]


def list_rules():
    return rules
