"""JSON schemas of os-keypairs: POST bodies per microversion and the query strings."""

import copy

from cepheid.api.schemas import parameter_types


def _create(*extra):
    properties = {'name': parameter_types.name, 'public_key': {'type': 'string'}}
    if 'type' in extra:
        properties['type'] = {'type': 'string', 'enum': ['ssh', 'x509']}
    if 'user_id' in extra:
        properties['user_id'] = {'type': 'string'}
    return {
        'type': 'object',
        'properties': {
            'keypair': {'type': 'object', 'properties': properties, 'required': ['name'],
                        'additionalProperties': False},
        },
        'required': ['keypair'],
        'additionalProperties': False,
    }


create = _create()
create_v22 = _create('type')
create_v210 = _create('type', 'user_id')


def create_schema(version):
    if version >= '2.10':
        return create_v210
    return create_v22 if version >= '2.2' else create


_any = {'type': 'object', 'properties': {}, 'additionalProperties': True}
_user = {'type': 'object', 'additionalProperties': True,
         'properties': {'user_id': parameter_types.multi_params({'type': 'string'})}}
_paged = copy.deepcopy(_user)
_paged['properties'].update({
    'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
    'marker': parameter_types.multi_params({'type': 'string'}),
})


def _strict(schema):
    return dict(copy.deepcopy(schema), additionalProperties=False)


def index_query_schema(version):
    if version >= '2.75':
        return _strict(_paged)
    if version >= '2.35':
        return _paged
    return _user if version >= '2.10' else _any


def item_query_schema(version):
    """GET and DELETE /os-keypairs/{name}."""
    if version >= '2.75':
        return _strict(_user)
    return _user if version >= '2.10' else _any
