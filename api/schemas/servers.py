"""JSON schemas of the servers resource: POST /servers and the GET /servers query."""

import copy

from cepheid.api.schemas import parameter_types

# Accepted as in Nova so common clients work; Cepheid records only what it uses
# (no networks, keys or volumes: those fields are ignored).
_ACCEPTED_IGNORED = {
    'networks': {'type': ['string', 'array']},
    'key_name': {'type': ['string', 'null']},
    'security_groups': {'type': 'array'},
    'user_data': {'type': ['string', 'null']},
    'config_drive': {'type': ['boolean', 'string']},
    'adminPass': {'type': 'string'},
    'accessIPv4': {'type': 'string'},
    'accessIPv6': {'type': 'string'},
    'OS-DCF:diskConfig': {'enum': ['AUTO', 'MANUAL']},
    'block_device_mapping_v2': {'type': 'array'},
    'personality': {'type': 'array'},
    'return_reservation_id': {'type': ['boolean', 'string']},
}

create = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                'flavorRef': parameter_types.flavor_ref,
                'imageRef': parameter_types.image_ref,
                'availability_zone': {'type': 'string', 'minLength': 1, 'maxLength': 255},
                'metadata': parameter_types.metadata,
                # One server per request.
                'min_count': {'type': ['integer', 'string'], 'pattern': '^1$',
                              'minimum': 1, 'maximum': 1},
                'max_count': {'type': ['integer', 'string'], 'pattern': '^1$',
                              'minimum': 1, 'maximum': 1},
                **_ACCEPTED_IGNORED,
            },
            'required': ['name', 'flavorRef'],
            'additionalProperties': False,
        },
        'os:scheduler_hints': {'type': 'object'},
        'OS-SCH-HNT:scheduler_hints': {'type': 'object'},
    },
    'required': ['server'],
    'additionalProperties': False,
}

create_v219 = copy.deepcopy(create)
create_v219['properties']['server']['properties']['description'] = parameter_types.description


def create_schema(version):
    """The POST /servers schema in force at ``version``."""
    if version >= '2.19':
        return create_v219
    return create


# GET /servers and /servers/detail: the filters Cepheid reads (each may repeat, as in
# Nova; the first value counts). Other query parameters are accepted and ignored, as in
# Nova (additionalProperties stays true).
list_query = {
    'type': 'object',
    'properties': {
        'name': parameter_types.multi_params({'type': 'string', 'format': 'regex'}),
        'status': parameter_types.multi_params({'type': 'string'}),
        'all_tenants': parameter_types.multi_params({'type': 'string'}),
        'project_id': parameter_types.multi_params({'type': 'string'}),
        'tenant_id': parameter_types.multi_params({'type': 'string'}),
        'host': parameter_types.multi_params({'type': 'string'}),
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'marker': parameter_types.multi_params({'type': 'string'}),
    },
    'additionalProperties': True,
}
