"""Policies of the admin and deferred-delete server actions: os-resetState,
injectNetworkInfo, migrate, os-migrateLive, evacuate, restore and forceDelete (Nova's names
and defaults)."""

from cepheid.api.policies import base

ADMIN_ACTIONS = 'os_compute_api:os-admin-actions:%s'
MIGRATE = 'os_compute_api:os-migrate-server:%s'
DEFERRED_DELETE = 'os_compute_api:os-deferred-delete:%s'
EVACUATE = 'os_compute_api:os-evacuate'

_ACTION = '/servers/{server_id}/action'

rules = [
    base.rule(ADMIN_ACTIONS % 'reset_state', base.ADMIN,
              "Reset a server's vm_state to active or error and clear its task_state",
              [('POST', _ACTION + ' (os-resetState)')]),
    base.rule(ADMIN_ACTIONS % 'inject_network_info', base.ADMIN,
              'Inject network information into a server',
              [('POST', _ACTION + ' (injectNetworkInfo)')]),
    base.rule(MIGRATE % 'migrate', base.ADMIN, 'Cold migrate a server to another host',
              [('POST', _ACTION + ' (migrate)')]),
    base.rule(EVACUATE, base.ADMIN, 'Evacuate a server from a failed host to a new host',
              [('POST', _ACTION + ' (evacuate)')]),
    base.rule(MIGRATE % 'migrate_live', base.ADMIN, 'Live migrate a server to a new host '
              'without a reboot', [('POST', _ACTION + ' (os-migrateLive)')]),
    base.rule(DEFERRED_DELETE % 'restore', base.PROJECT_MEMBER_OR_ADMIN,
              'Restore a soft-deleted server', [('POST', _ACTION + ' (restore)')]),
    base.rule(DEFERRED_DELETE % 'force', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a (soft-deleted) server at once', [('POST', _ACTION + ' (forceDelete)')]),
]


def list_rules():
    return rules
