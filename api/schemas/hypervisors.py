"""Query schemas of GET /os-hypervisors(/detail) and /os-hypervisors/{id}."""

from cepheid.api.schemas import parameter_types

_any = {'type': 'object', 'properties': {}, 'additionalProperties': True}
_paged = {
    'type': 'object',
    'properties': {
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'marker': parameter_types.multi_params({'type': 'string'}),
    },
    'additionalProperties': True,
}
_v253 = {
    'type': 'object',
    'properties': {
        'limit': parameter_types.multi_params(parameter_types.non_negative_integer),
        'marker': parameter_types.multi_params({'type': 'string'}),
        'hypervisor_hostname_pattern': parameter_types.multi_params(
            {'type': 'string', 'minLength': 1, 'maxLength': 255}),
        'with_servers': parameter_types.single_param(parameter_types.boolean),
    },
    'additionalProperties': False,
}
_show_v253 = {
    'type': 'object',
    'properties': {'with_servers': parameter_types.single_param(parameter_types.boolean)},
    'additionalProperties': False,
}


def list_query_schema(version):
    if version >= '2.53':
        return _v253
    return _paged if version >= '2.33' else _any


def show_query_schema(version):
    return _show_v253 if version >= '2.53' else _any
