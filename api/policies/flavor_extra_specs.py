"""Policies of flavor extra specs (os-flavor-extra-specs)."""

from cepheid.api.policies import base

SPECS = 'os_compute_api:os-flavor-extra-specs:%s'

_SPECS = '/flavors/{flavor_id}/os-extra_specs'
_KEY = _SPECS + "/{key}"

rules = [
    base.rule(SPECS % 'index', base.PROJECT_READER_OR_ADMIN,
              "List a flavor's extra specs; also decides whether flavor views (2.61+) and "
              "a server's embedded flavor (2.47+) show them",
              [('GET', _SPECS), ('GET', '/flavors/{flavor_id}'), ('GET', '/flavors/detail'),
               ('GET', '/servers/{server_id}'), ('GET', '/servers/detail')]),
    base.rule(SPECS % 'show', base.PROJECT_READER_OR_ADMIN, 'Show one extra spec of a flavor',
              [('GET', _KEY)]),
    base.rule(SPECS % 'create', base.ADMIN, 'Create or update extra specs of a flavor',
              [('POST', _SPECS)]),
    base.rule(SPECS % 'update', base.ADMIN, 'Update one extra spec of a flavor',
              [('PUT', _KEY)]),
    base.rule(SPECS % 'delete', base.ADMIN, 'Delete one extra spec of a flavor',
              [('DELETE', _KEY)]),
]


def list_rules():
    return rules
