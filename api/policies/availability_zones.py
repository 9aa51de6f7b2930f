"""Policies of the os-availability-zone resource (Nova's defaults)."""

from cepheid.api.policies import base

AZ = 'os_compute_api:os-availability-zone:%s'

rules = [
    # Nova: any authenticated caller may list the zones (without their hosts).
    base.rule(AZ % 'list', '@', 'List availability zone information without host information',
              [('GET', '/os-availability-zone')]),
    base.rule(AZ % 'detail', base.ADMIN, 'List detailed availability zone information with '
              'host information', [('GET', '/os-availability-zone/detail')]),
]


def list_rules():
    return rules
