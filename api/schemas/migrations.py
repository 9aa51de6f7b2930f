"""Query schemas of GET /os-migrations per microversion (Nova's, 2.59/2.66/2.80), and the
body of a live migration's force-complete."""

import copy

from cepheid.api.schemas import parameter_types

_common = parameter_types.multi_params({'type': 'string'})

list_query_v20 = {
    'type': 'object',
    'properties': {key: _common for key in ('hidden', 'host', 'instance_uuid',
                                            'source_compute', 'status', 'migration_type')},
    # Before 2.59 unknown parameters are ignored.
    'additionalProperties': True,
}

list_query_v259 = copy.deepcopy(list_query_v20)
list_query_v259['properties'].update({
    'limit': parameter_types.single_param(parameter_types.non_negative_integer),
    'marker': parameter_types.single_param({'type': 'string'}),
    'changes-since': parameter_types.single_param(parameter_types.date_time),
})
list_query_v259['additionalProperties'] = False

list_query_v266 = copy.deepcopy(list_query_v259)
list_query_v266['properties']['changes-before'] = parameter_types.single_param(
    parameter_types.date_time)

list_query_v280 = copy.deepcopy(list_query_v266)
list_query_v280['properties'].update({
    'user_id': parameter_types.single_param({'type': 'string'}),
    'project_id': parameter_types.single_param({'type': 'string'}),
})


def list_query_schema(version):
    if version >= '2.80':
        return list_query_v280
    if version >= '2.66':
        return list_query_v266
    if version >= '2.59':
        return list_query_v259
    return list_query_v20


force_complete = {
    'type': 'object',
    'properties': {'force_complete': {'type': 'null'}},
    'required': ['force_complete'],
    'additionalProperties': False,
}
