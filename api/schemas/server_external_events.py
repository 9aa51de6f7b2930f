"""JSON schema of POST /os-server-external-events, per microversion (Nova's schemas).

Each microversion adds an event name: volume-extended 2.51, power-update 2.76,
accelerator-request-bound 2.82 (volume-reimaged, 2.93, is above Cepheid's maximum).
"""

import copy

EVENT_STATUSES = ['failed', 'completed', 'in-progress']
_NAMES = [('2.0', ['network-changed', 'network-vif-plugged', 'network-vif-unplugged',
                   'network-vif-deleted']),
          ('2.51', ['volume-extended']),
          ('2.76', ['power-update']),
          ('2.82', ['accelerator-request-bound'])]

create = {
    'type': 'object',
    'properties': {
        'events': {
            'type': 'array', 'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {
                    'server_uuid': {'type': 'string', 'format': 'uuid'},
                    'name': {'type': 'string', 'enum': []},
                    'status': {'type': 'string', 'enum': EVENT_STATUSES},
                    'tag': {'type': 'string', 'maxLength': 255},
                },
                'required': ['server_uuid', 'name'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['events'],
    'additionalProperties': False,
}


def event_names(version):
    """The event names accepted at ``version``."""
    return [name for since, names in _NAMES if version >= since for name in names]


def create_schema(version):
    schema = copy.deepcopy(create)
    schema['properties']['events']['items']['properties']['name']['enum'] = \
        event_names(version)
    return schema
