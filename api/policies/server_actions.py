"""Policies of the server actions beyond reboot: lock/unlock, pause/unpause, suspend/resume."""

from cepheid.api.policies import base

LOCK = 'os_compute_api:os-lock-server:%s'
PAUSE = 'os_compute_api:os-pause-server:%s'
SUSPEND = 'os_compute_api:os-suspend-server:%s'

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
]


def list_rules():
    return rules
