"""JSON schemas of PUT /os-services/... (Nova's service_update, _v211 and _v253)."""

import copy

from cepheid.api.schemas import parameter_types

_reason = {'type': 'string', 'minLength': 1, 'maxLength': 255}

# PUT /os-services/enable|disable|disable-log-reason (before 2.53)
update = {
    'type': 'object',
    'properties': {
        'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'disabled_reason': _reason,
    },
    'required': ['host', 'binary'],
    'additionalProperties': False,
}

# 2.11 adds PUT /os-services/force-down
update_v211 = copy.deepcopy(update)
update_v211['properties']['forced_down'] = parameter_types.boolean

# PUT /os-services/{service_id} (2.53)
update_v253 = {
    'type': 'object',
    'properties': {
        'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
        'disabled_reason': _reason,
        'forced_down': parameter_types.boolean,
    },
    'additionalProperties': False,
}


def update_schema(version):
    if version >= '2.53':
        return update_v253
    return update_v211 if version >= '2.11' else update
