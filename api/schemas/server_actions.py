"""JSON schemas of POST /servers/{id}/action bodies, one per action."""

from cepheid.api.schemas import parameter_types

REBOOT_TYPES = ['HARD', 'Soft', 'soft', 'SOFT', 'Hard', 'hard']

reboot = {
    'type': 'object',
    'properties': {
        'reboot': {
            'type': 'object',
            'properties': {'type': {'enum': REBOOT_TYPES}},
            'required': ['type'],
            'additionalProperties': False,
        },
    },
    'required': ['reboot'],
    'additionalProperties': False,
}

# Before 2.73 Nova does not look at the lock body at all.
lock_v273 = {
    'type': 'object',
    'properties': {
        'lock': {
            'type': ['object', 'null'],
            'properties': {'locked_reason': parameter_types.locked_reason},
            'additionalProperties': False,
        },
    },
    'required': ['lock'],
    'additionalProperties': False,
}
