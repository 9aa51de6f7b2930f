"""Query schemas of os-simple-tenant-usage (Nova's: paging from 2.40, strict from 2.75)."""

import copy

from cepheid.api.schemas import parameter_types

_string = parameter_types.multi_params({'type': 'string'})
_index = {
    'type': 'object',
    'properties': {'start': _string, 'end': _string, 'detailed': _string},
    'additionalProperties': True,
}
_show = {
    'type': 'object',
    'properties': {'start': _string, 'end': _string},
    'additionalProperties': True,
}
_paging = {
    'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
    'marker': parameter_types.multi_params({'type': 'string'}),
}


def _versioned(base, version):
    if version < '2.40':
        return base
    schema = copy.deepcopy(base)
    schema['properties'].update(_paging)
    schema['additionalProperties'] = version < '2.75'
    return schema


def index_query(version):
    return _versioned(_index, version)


def show_query(version):
    return _versioned(_show, version)
