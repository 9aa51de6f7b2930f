"""Policies of a server's tags (os-server-tags), Nova's defaults."""

from cepheid.api.policies import base

TAGS = 'os_compute_api:os-server-tags:%s'

_ALL = '/servers/{server_id}/tags'
_ITEM = _ALL + '/{tag}'

rules = [
    base.rule(TAGS % 'delete_all', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete all the server tags', [('DELETE', _ALL)]),
    base.rule(TAGS % 'index', base.PROJECT_READER_OR_ADMIN,
              'List all tags for given server', [('GET', _ALL)]),
    base.rule(TAGS % 'update_all', base.PROJECT_MEMBER_OR_ADMIN,
              'Replace all tags on specified server with the new set of tags.',
              [('PUT', _ALL)]),
    base.rule(TAGS % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a single tag from the specified server', [('DELETE', _ITEM)]),
    base.rule(TAGS % 'update', base.PROJECT_MEMBER_OR_ADMIN,
              'Add a single tag to the server if server has no specified tag',
              [('PUT', _ITEM)]),
    base.rule(TAGS % 'show', base.PROJECT_READER_OR_ADMIN,
              'Check tag existence on the server.', [('GET', _ITEM)]),
]


def list_rules():
    return rules
