"""Policies of the os-aggregates resource (Nova's defaults: admin only)."""

from cepheid.api.policies import base

AGGREGATES = 'os_compute_api:os-aggregates:%s'
_PATH = '/os-aggregates'
_ONE = _PATH + '/{aggregate_id}'
_ACTION = _ONE + '/action (%s)'

rules = [
    base.rule(AGGREGATES % 'index', base.ADMIN, 'List all aggregates', [('GET', _PATH)]),
    base.rule(AGGREGATES % 'create', base.ADMIN, 'Create an aggregate', [('POST', _PATH)]),
    base.rule(AGGREGATES % 'show', base.ADMIN, 'Show details for an aggregate',
              [('GET', _ONE)]),
    base.rule(AGGREGATES % 'update', base.ADMIN, 'Update name and/or availability zone',
              [('PUT', _ONE)]),
    base.rule(AGGREGATES % 'delete', base.ADMIN, 'Delete an aggregate', [('DELETE', _ONE)]),
    base.rule(AGGREGATES % 'add_host', base.ADMIN, 'Add a host to an aggregate',
              [('POST', _ACTION % 'add_host')]),
    base.rule(AGGREGATES % 'remove_host', base.ADMIN, 'Remove a host from an aggregate',
              [('POST', _ACTION % 'remove_host')]),
    base.rule(AGGREGATES % 'set_metadata', base.ADMIN, 'Create or replace metadata for an '
              'aggregate', [('POST', _ACTION % 'set_metadata')]),
]


def list_rules():
    return rules
