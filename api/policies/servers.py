"""Policies of the servers resource: list, show, create, delete, and the servers:* actions."""

from cepheid.api.policies import base

SERVERS = 'os_compute_api:servers:%s'
EXTENDED_ATTRS = 'os_compute_api:os-extended-server-attributes'

_SERVER = '/servers/{server_id}'
_ACTION = '/servers/{server_id}/action'

rules = [
    base.rule(SERVERS % 'index', base.PROJECT_READER_OR_ADMIN, 'List servers',
              [('GET', '/servers')]),
    base.rule(SERVERS % 'detail', base.PROJECT_READER_OR_ADMIN, 'List servers with details',
              [('GET', '/servers/detail')]),
    base.rule(SERVERS % 'index:get_all_tenants', base.ADMIN, 'List servers of all projects',
              [('GET', '/servers')]),
    base.rule(SERVERS % 'detail:get_all_tenants', base.ADMIN,
              'List servers of all projects with details', [('GET', '/servers/detail')]),
    base.rule(SERVERS % 'allow_all_filters', base.ADMIN,
              'Use every server list filter (such as host)',
              [('GET', '/servers'), ('GET', '/servers/detail')]),
    base.rule(SERVERS % 'show', base.PROJECT_READER_OR_ADMIN, 'Show a server',
              [('GET', _SERVER)]),
    base.rule(SERVERS % 'show:host_status', base.ADMIN, 'Show host_status of a server (2.16+)',
              [('GET', _SERVER), ('GET', '/servers/detail')]),
    base.rule(SERVERS % 'create', base.PROJECT_MEMBER_OR_ADMIN, 'Create a server',
              [('POST', '/servers')]),
    base.rule(SERVERS % 'create:forced_host', base.ADMIN,
              "Pick the server's host with availability_zone 'zone:host'",
              [('POST', '/servers')]),
    base.rule(SERVERS % 'update', base.PROJECT_MEMBER_OR_ADMIN, 'Update a server',
              [('PUT', _SERVER)]),
    base.rule(SERVERS % 'delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server',
              [('DELETE', _SERVER)]),
    base.rule(SERVERS % 'reboot', base.PROJECT_MEMBER_OR_ADMIN, 'Reboot a server',
              [('POST', _ACTION + ' (reboot)')]),
    base.rule(SERVERS % 'start', base.PROJECT_MEMBER_OR_ADMIN, 'Start a server',
              [('POST', _ACTION + ' (os-start)')]),
    base.rule(SERVERS % 'stop', base.PROJECT_MEMBER_OR_ADMIN, 'Stop a server',
              [('POST', _ACTION + ' (os-stop)')]),
    base.rule(SERVERS % 'rebuild', base.PROJECT_MEMBER_OR_ADMIN, 'Rebuild a server',
              [('POST', _ACTION + ' (rebuild)')]),
    base.rule(SERVERS % 'resize', base.PROJECT_MEMBER_OR_ADMIN, 'Resize a server',
              [('POST', _ACTION + ' (resize)')]),
    base.rule(SERVERS % 'confirm_resize', base.PROJECT_MEMBER_OR_ADMIN,
              'Confirm a resize or cold migration', [('POST', _ACTION + ' (confirmResize)')]),
    base.rule(SERVERS % 'revert_resize', base.PROJECT_MEMBER_OR_ADMIN,
              'Revert a resize or cold migration', [('POST', _ACTION + ' (revertResize)')]),
    base.rule(SERVERS % 'trigger_crash_dump', base.PROJECT_MEMBER_OR_ADMIN,
              'Trigger a crash dump in a server (2.17+)',
              [('POST', _ACTION + ' (trigger_crash_dump)')]),
    base.rule(EXTENDED_ATTRS, base.ADMIN,
              'Show the OS-EXT-SRV-ATTR attributes (host, instance name, ...) of servers',
              [('GET', _SERVER), ('GET', '/servers/detail')]),
]


def list_rules():
    return rules
