"""os-server-groups bodies and query (Nova's schemas): ``policies`` (one item) until 2.63,
the soft policies from 2.15, ``policy`` + ``rules`` from 2.64."""

import copy

from cepheid.api.schemas import parameter_types

_POLICIES = ['anti-affinity', 'affinity']
_SOFT = _POLICIES + ['soft-anti-affinity', 'soft-affinity']


def _policies(names):
    return {'type': 'array', 'items': [{'type': 'string', 'enum': names}],
            'uniqueItems': True, 'minItems': 1, 'maxItems': 1, 'additionalItems': False}


def _body(group_props, required):
    return {
        'type': 'object',
        'properties': {'server_group': {
            'type': 'object', 'properties': group_props, 'required': required,
            'additionalProperties': False}},
        'required': ['server_group'], 'additionalProperties': False,
    }


create = _body({'name': parameter_types.name, 'policies': _policies(_POLICIES)},
               ['name', 'policies'])
create_v215 = _body({'name': parameter_types.name, 'policies': _policies(_SOFT)},
                    ['name', 'policies'])
create_v264 = _body({
    'name': parameter_types.name,
    'policy': {'type': 'string', 'enum': _SOFT},
    'rules': {'type': 'object',
              'properties': {'max_server_per_host': parameter_types.positive_integer},
              'additionalProperties': False},
}, ['name', 'policy'])

index_query = {
    'type': 'object',
    'properties': {
        'all_projects': parameter_types.multi_params({'type': 'string'}),
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'offset': parameter_types.multi_params(parameter_types.non_negative_integer),
    },
    'additionalProperties': True,
}
index_query_v275 = copy.deepcopy(index_query)
index_query_v275['additionalProperties'] = False


def create_schema(version):
    if version >= '2.64':
        return create_v264
    return create_v215 if version >= '2.15' else create


def index_query_schema(version):
    return index_query_v275 if version >= '2.75' else index_query
