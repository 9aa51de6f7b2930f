"""JSON schemas of flavors: POST /flavors, PUT /flavors/{id} (2.55) and the list query."""

import copy

from cepheid.api.schemas import parameter_types

MAX_INT = 0x7FFFFFFF
SQL_SP_FLOAT_MAX = 3.40282e+38

_positive = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$',
             'minimum': 1, 'maximum': MAX_INT}
_non_negative = dict(_positive, minimum=0)

# 2.55: a TEXT column, so up to 64 KiB.
description = {
    'type': ['string', 'null'], 'minLength': 0, 'maxLength': 65535,
    'pattern': parameter_types.description['pattern'],
}

create = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {
                'name': parameter_types.name,
                'id': {
                    'type': ['string', 'number', 'null'], 'minLength': 1, 'maxLength': 255,
                    'pattern': '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
                },
                'ram': _positive,
                'vcpus': _positive,
                'disk': _non_negative,
                'OS-FLV-EXT-DATA:ephemeral': _non_negative,
                'swap': _non_negative,
                'rxtx_factor': {
                    'type': ['number', 'string'], 'pattern': r'^[0-9]+(\.[0-9]+)?$',
                    # Nova's exclusiveMinimum 0 is checked in the handler (the
                    # keyword differs between draft 4 and OpenAPI 3.1's 2020-12).
                    'minimum': 0, 'maximum': SQL_SP_FLOAT_MAX,
                },
                'os-flavor-access:is_public': parameter_types.boolean,
            },
            'required': ['name', 'ram', 'vcpus', 'disk'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}

create_v255 = copy.deepcopy(create)
create_v255['properties']['flavor']['properties']['description'] = description

update_v255 = {
    'type': 'object',
    'properties': {
        'flavor': {
            'type': 'object',
            'properties': {'description': description},
            'required': ['description'],
            'additionalProperties': False,
        },
    },
    'required': ['flavor'],
    'additionalProperties': False,
}


def create_schema(version):
    return create_v255 if version >= '2.55' else create


# Nova's sort keys. Cepheid has no vcpu_weight column (NULL in Nova unless set), so
# sorting by it leaves the id tie-breaker, as NULLs do there.
SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id',
             'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap',
             'updated_at', 'vcpu_weight', 'vcpus')

_string = parameter_types.multi_params({'type': 'string'})

index_query = {
    'type': 'object',
    'properties': {
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'marker': _string,
        'is_public': _string,
        'minRam': _string,
        'minDisk': _string,
        'sort_key': parameter_types.multi_params(
            {'type': 'string', 'enum': list(SORT_KEYS)}),
        'sort_dir': parameter_types.multi_params({'type': 'string', 'enum': ['asc', 'desc']}),
    },
    # Unknown parameters are ignored until 2.75, refused from then on.
    'additionalProperties': True,
}

index_query_v275 = dict(index_query, additionalProperties=False)


def index_query_schema(version):
    return index_query_v275 if version >= '2.75' else index_query
