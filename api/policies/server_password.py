"""Policies of a server's encrypted password (os-server-password), Nova's defaults."""

from cepheid.api.policies import base

PASSWORD = 'os_compute_api:os-server-password:%s'

_PATH = '/servers/{server_id}/os-server-password'

rules = [
    base.rule(PASSWORD % 'show', base.PROJECT_READER_OR_ADMIN,
              "Show the encrypted administrative password of a server", [('GET', _PATH)]),
    base.rule(PASSWORD % 'clear', base.PROJECT_MEMBER_OR_ADMIN,
              "Clear the encrypted administrative password of a server", [('DELETE', _PATH)]),
]


def list_rules():
    return rules
