"""Policies of a server's action log (os-instance-actions)."""

from cepheid.api.policies import base

ACTIONS = 'os_compute_api:os-instance-actions:%s'

_LIST = '/servers/{server_id}/os-instance-actions'
_SHOW = _LIST + '/{request_id}'

rules = [
    base.rule(ACTIONS % 'list', base.PROJECT_READER_OR_ADMIN, "List a server's actions",
              [('GET', _LIST)]),
    base.rule(ACTIONS % 'show', base.PROJECT_READER_OR_ADMIN, "Show a server's action",
              [('GET', _SHOW)]),
    base.rule(ACTIONS % 'events', base.ADMIN,
              'See the events of an action at every microversion, with their traceback '
              '(others see events, without traceback, from 2.51)', [('GET', _SHOW)]),
    base.rule(ACTIONS % 'events:details', base.ADMIN,
              'See the details of action events (2.84+)', [('GET', _SHOW)]),
]


def list_rules():
    return rules
