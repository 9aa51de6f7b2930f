"""Policies of key pairs (os-keypairs): the owner (by user id) or an administrator."""

from cepheid.api.policies import base

KEYPAIRS = 'os_compute_api:os-keypairs:%s'

ADMIN_OR_OWNER = f'({base.ADMIN}) or user_id:%(user_id)s'

_KEY = '/os-keypairs/{keypair_name}'

rules = [
    base.rule(KEYPAIRS % 'index', ADMIN_OR_OWNER, 'List key pairs',
              [('GET', '/os-keypairs')]),
    base.rule(KEYPAIRS % 'create', ADMIN_OR_OWNER, 'Create or import a key pair',
              [('POST', '/os-keypairs')]),
    base.rule(KEYPAIRS % 'show', ADMIN_OR_OWNER, 'Show a key pair', [('GET', _KEY)]),
    base.rule(KEYPAIRS % 'delete', ADMIN_OR_OWNER, 'Delete a key pair', [('DELETE', _KEY)]),
]


def list_rules():
    return rules
