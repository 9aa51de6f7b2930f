"""Policies of os-migrations and of a server's migrations (Nova's names; admin only)."""

from cepheid.api.policies import base

MIGRATIONS = 'os_compute_api:os-migrations:%s'
SERVER_MIGRATIONS = 'os_compute_api:servers:migrations:%s'

_SERVER = '/servers/{server_id}/migrations'

rules = [
    base.rule(MIGRATIONS % 'index', base.ADMIN, 'List the migrations of every server',
              [('GET', '/os-migrations')]),
    base.rule(SERVER_MIGRATIONS % 'index', base.ADMIN,
              "List a server's in-progress live migrations", [('GET', _SERVER)]),
    base.rule(SERVER_MIGRATIONS % 'show', base.ADMIN,
              "Show a server's in-progress live migration",
              [('GET', _SERVER + '/{migration_id}')]),
    base.rule(SERVER_MIGRATIONS % 'force_complete', base.ADMIN,
              "Force a server's live migration in progress to complete",
              [('POST', _SERVER + '/{migration_id}/action (force_complete)')]),
    base.rule(SERVER_MIGRATIONS % 'delete', base.ADMIN,
              "Abort a server's live migration in progress",
              [('DELETE', _SERVER + '/{migration_id}')]),
]


def list_rules():
    return rules
