"""JSON schemas of GET /servers/{id}/os-instance-actions query strings (2.58+, 2.66+)."""

import copy

from cepheid.api.schemas import parameter_types

list_query_v258 = {
    'type': 'object',
    'properties': {
        'limit': parameter_types.single_param(parameter_types.non_negative_integer),
        'marker': parameter_types.single_param({'type': 'string'}),
        'changes-since': parameter_types.single_param(parameter_types.date_time),
    },
    'additionalProperties': False,
}

list_query_v266 = copy.deepcopy(list_query_v258)
list_query_v266['properties']['changes-before'] = parameter_types.single_param(
    parameter_types.date_time)


def list_query_schema(version):
    """The query schema in force at ``version``; None before 2.58 (nothing is read)."""
    if version >= '2.66':
        return list_query_v266
    if version >= '2.58':
        return list_query_v258
    return None
