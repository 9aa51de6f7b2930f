"""Policies of the server actions beyond reboot: lock, pause, suspend, rescue, console, password."""

from cepheid.api.policies import base

LOCK = 'os_compute_api:os-lock-server:%s'
PAUSE = 'os_compute_api:os-pause-server:%s'
SUSPEND = 'os_compute_api:os-suspend-server:%s'
RESCUE = 'os_compute_api:os-rescue'
UNRESCUE = 'os_compute_api:os-unrescue'
CONSOLE_OUTPUT = 'os_compute_api:os-console-output'
ADMIN_PASSWORD = 'os_compute_api:os-admin-password'

_ACTION = '/servers/{server_id}/action'

rules = [
    base.rule(LOCK % 'lock', base.PROJECT_MEMBER_OR_ADMIN, 'Lock a server',
              [('POST', _ACTION + ' (lock)')]),
    base.rule(LOCK % 'unlock', base.PROJECT_MEMBER_OR_ADMIN, 'Unlock a server',
              [('POST', _ACTION + ' (unlock)')]),
    base.rule(LOCK % 'unlock:unlock_override', base.ADMIN,
              'Unlock a server locked by someone else (the owner or an administrator)',
              [('POST', _ACTION + ' (unlock)')]),
    base.rule(PAUSE % 'pause', base.PROJECT_MEMBER_OR_ADMIN, 'Pause a server',
              [('POST', _ACTION + ' (pause)')]),
    base.rule(PAUSE % 'unpause', base.PROJECT_MEMBER_OR_ADMIN, 'Unpause a server',
              [('POST', _ACTION + ' (unpause)')]),
    base.rule(SUSPEND % 'suspend', base.PROJECT_MEMBER_OR_ADMIN, 'Suspend a server',
              [('POST', _ACTION + ' (suspend)')]),
    base.rule(SUSPEND % 'resume', base.PROJECT_MEMBER_OR_ADMIN, 'Resume a suspended server',
              [('POST', _ACTION + ' (resume)')]),
    base.rule(RESCUE, base.PROJECT_MEMBER_OR_ADMIN, 'Rescue a server',
              [('POST', _ACTION + ' (rescue)')]),
    base.rule(UNRESCUE, base.PROJECT_MEMBER_OR_ADMIN, 'Unrescue a server',
              [('POST', _ACTION + ' (unrescue)')]),
    base.rule(CONSOLE_OUTPUT, base.PROJECT_MEMBER_OR_ADMIN, "Show a server's console output",
              [('POST', _ACTION + ' (os-getConsoleOutput)')]),
    base.rule(ADMIN_PASSWORD, base.PROJECT_MEMBER_OR_ADMIN,
              "Change a server's administrative password",
              [('POST', _ACTION + ' (changePassword)')]),
]


def list_rules():
    return rules
