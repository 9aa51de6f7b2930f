"""Policies of server groups (os-server-groups), Nova's defaults."""

from cepheid.api.policies import base

GROUPS = 'os_compute_api:os-server-groups:%s'
_GROUP = '/os-server-groups/{server_group_id}'

rules = [
    base.rule(GROUPS % 'create', 'rule:project_member_api', 'Create a new server group',
              [('POST', '/os-server-groups')]),
    base.rule(GROUPS % 'delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server group',
              [('DELETE', _GROUP)]),
    base.rule(GROUPS % 'index', base.PROJECT_READER_OR_ADMIN,
              "List the project's server groups", [('GET', '/os-server-groups')]),
    base.rule(GROUPS % 'index:all_projects', base.ADMIN,
              'List the server groups of all projects', [('GET', '/os-server-groups')]),
    base.rule(GROUPS % 'show', base.PROJECT_READER_OR_ADMIN, 'Show a server group',
              [('GET', _GROUP)]),
]


def list_rules():
    return rules
