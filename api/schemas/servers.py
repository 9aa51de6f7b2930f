"""JSON schemas of the servers resource: POST /servers, PUT /servers/{id}, the list query."""

import copy

from cepheid.api.schemas import parameter_types

# ``networks`` as Nova checks it (a list of {uuid | port, fixed_ip, tag}, or 'auto'/'none'
# from 2.37); with no network service Cepheid attaches no network, so it goes no further.
_networks = {
    'oneOf': [
        {'type': 'array',
         'items': {
             'type': 'object',
             'properties': {
                 'fixed_ip': {'type': 'string', 'oneOf': [{'format': 'ipv4'},
                                                          {'format': 'ipv6'}]},
                 'port': {'oneOf': [{'type': 'string', 'format': 'uuid'}, {'type': 'null'}]},
                 'uuid': {'type': 'string'},
                 'tag': {'type': 'string', 'minLength': 1, 'maxLength': 60},
             },
             'additionalProperties': False,
         }},
        {'type': 'string', 'enum': ['none', 'auto']},
    ],
}

# Accepted as in Nova so common clients work; Cepheid records only what it uses
# (no networks or volumes: those fields are ignored).
_ACCEPTED_IGNORED = {
    'networks': _networks,
    'security_groups': {'type': 'array'},
    'config_drive': {'type': ['boolean', 'string']},
    'adminPass': {'type': 'string'},
    'OS-DCF:diskConfig': parameter_types.disk_config,
    'block_device_mapping_v2': {'type': 'array'},
    'personality': {'type': 'array'},
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
                'user_data': parameter_types.user_data,
                'accessIPv4': parameter_types.access_ip_v4,
                'accessIPv6': parameter_types.access_ip_v6,
                'min_count': parameter_types.positive_integer,
                'max_count': parameter_types.positive_integer,
                'return_reservation_id': parameter_types.boolean,
                'key_name': parameter_types.name,
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



def _with_server_fields(base, **fields):
    """A copy of ``base`` whose ``server`` object also accepts ``fields``."""
    schema = copy.deepcopy(base)
    schema['properties']['server']['properties'].update(fields)
    return schema


def _in_force(version, v290, v219, base):
    """The schema of the description (2.19) / hostname (2.90) steps in force at ``version``."""
    if version >= '2.90':
        return v290
    return v219 if version >= '2.19' else base


create_v219 = _with_server_fields(create, description=parameter_types.description)
create_v252 = _with_server_fields(create_v219, tags=parameter_types.tags)
create_v290 = _with_server_fields(create_v252, hostname=parameter_types.hostname)


def create_schema(version):
    """The POST /servers schema in force at ``version`` (tags from 2.52)."""
    if version >= '2.52' and not version >= '2.90':
        return create_v252
    return _in_force(version, create_v290, create_v219, create)


# PUT /servers/{id} (Nova's base_update, update_v219, update_v290).
update = {
    'type': 'object',
    'properties': {
        'server': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                'OS-DCF:diskConfig': parameter_types.disk_config,
                'accessIPv4': parameter_types.access_ip_v4,
                'accessIPv6': parameter_types.access_ip_v6,
            },
            'additionalProperties': False,
        },
    },
    'required': ['server'],
    'additionalProperties': False,
}

update_v219 = _with_server_fields(update, description=parameter_types.description)
update_v290 = _with_server_fields(update_v219, hostname=parameter_types.hostname)


def update_schema(version):
    """The PUT /servers/{id} schema in force at ``version``."""
    return _in_force(version, update_v290, update_v219, update)


# GET /servers and /servers/detail: the filters Cepheid reads (each may repeat, as in
# Nova; the first value counts). Other query parameters are accepted and ignored, as in
# Nova (additionalProperties stays true).
_string = parameter_types.multi_params({'type': 'string'})

list_query = {
    'type': 'object',
    'properties': {
        'name': parameter_types.multi_params({'type': 'string', 'format': 'regex'}),
        'status': _string,
        'all_tenants': _string,
        'project_id': _string,
        'tenant_id': _string,
        'host': _string,
        'flavor': _string,
        'image': _string,
        'reservation_id': _string,
        'ip': _string,
        'ip6': _string,
        'changes-since': parameter_types.multi_params(parameter_types.date_time),
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'marker': _string,
    },
    'additionalProperties': True,
}

# 2.26: the tag filters (each a comma-separated list of tags).
TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
list_query_v226 = copy.deepcopy(list_query)
list_query_v226['properties'].update({name: _string for name in TAG_FILTERS})

list_query_v266 = copy.deepcopy(list_query_v226)
list_query_v266['properties']['changes-before'] = parameter_types.multi_params(
    parameter_types.date_time)


def list_query_schema(version):
    if version >= '2.66':
        return list_query_v266
    return list_query_v226 if version >= '2.26' else list_query
