"""Policies of the deprecated os-hosts resource (Nova's defaults: admin only)."""

from cepheid.api.policies import base

HOSTS = 'os_compute_api:os-hosts:%s'
_ONE = '/os-hosts/{host_name}'

rules = [
    base.rule(HOSTS % 'list', base.ADMIN, 'List physical hosts (deprecated, removed in 2.43)',
              [('GET', '/os-hosts')]),
    base.rule(HOSTS % 'show', base.ADMIN, 'Show a host\'s resources by project',
              [('GET', _ONE)]),
    base.rule(HOSTS % 'update', base.ADMIN, 'Enable/disable a host or its maintenance mode',
              [('PUT', _ONE)]),
    base.rule(HOSTS % 'reboot', base.ADMIN, 'Reboot a host', [('GET', _ONE + '/reboot')]),
    base.rule(HOSTS % 'shutdown', base.ADMIN, 'Shut down a host',
              [('GET', _ONE + '/shutdown')]),
    base.rule(HOSTS % 'start', base.ADMIN, 'Start a host', [('GET', _ONE + '/startup')]),
]


def list_rules():
    return rules
