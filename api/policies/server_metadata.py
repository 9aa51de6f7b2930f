"""Policies of a server's metadata (server-metadata), Nova's defaults."""

from cepheid.api.policies import base

METADATA = 'os_compute_api:server-metadata:%s'

_ALL = '/servers/{server_id}/metadata'
_ITEM = _ALL + '/{key}'

rules = [
    base.rule(METADATA % 'index', base.PROJECT_READER_OR_ADMIN, 'List all metadata of a server',
              [('GET', _ALL)]),
    base.rule(METADATA % 'show', base.PROJECT_READER_OR_ADMIN, 'Show metadata for a server',
              [('GET', _ITEM)]),
    base.rule(METADATA % 'create', base.PROJECT_MEMBER_OR_ADMIN, 'Create metadata for a server',
              [('POST', _ALL)]),
    base.rule(METADATA % 'update_all', base.PROJECT_MEMBER_OR_ADMIN,
              'Replace metadata for a server', [('PUT', _ALL)]),
    base.rule(METADATA % 'update', base.PROJECT_MEMBER_OR_ADMIN,
              'Update metadata from a server', [('PUT', _ITEM)]),
    base.rule(METADATA % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete metadata from a server', [('DELETE', _ITEM)]),
]


def list_rules():
    return rules
