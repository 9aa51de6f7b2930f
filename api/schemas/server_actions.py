"""JSON schemas of POST /servers/{id}/action bodies, one per action and microversion range.

``by_action(version)`` is the data the action handler validates with and the OpenAPI
document is generated from: {action name: schema of the whole body}.
"""

from cepheid.api.schemas import parameter_types

REBOOT_TYPES = ['HARD', 'Soft', 'soft', 'SOFT', 'Hard', 'hard']


def _body(name, value_schema):
    """A body of exactly one key ``name`` whose value matches ``value_schema``."""
    return {
        'type': 'object',
        'properties': {name: value_schema},
        'required': [name],
        'additionalProperties': False,
    }


reboot = _body('reboot', {
    'type': 'object',
    'properties': {'type': {'enum': REBOOT_TYPES}},
    'required': ['type'],
    'additionalProperties': False,
})

# Nova ignores the value of ``lock`` before 2.73. Cepheid refuses a ``locked_reason``
# there (400) instead of silently dropping it, and accepts ``null`` or ``{}``.
lock = _body('lock', {
    'type': ['object', 'null'],
    'properties': {},
    'additionalProperties': False,
})

lock_v273 = _body('lock', {
    'type': ['object', 'null'],
    'properties': {'locked_reason': parameter_types.locked_reason},
    'additionalProperties': False,
})

# os-resetState: the vm_state to set (Nova's reset_server_state schema).
reset_state = _body('os-resetState', {
    'type': 'object',
    'properties': {'state': {'type': 'string', 'enum': ['active', 'error']}},
    'required': ['state'],
    'additionalProperties': False,
})

# migrate: its value is read from 2.56, where it may name the destination host.
migrate_v256 = _body('migrate', {
    'oneOf': [
        {'type': 'null'},
        {'type': 'object',
         'properties': {'host': {'type': ['string', 'null'], 'minLength': 1,
                                 'maxLength': 255}},
         'additionalProperties': False},
    ],
})

# Nova does not look at the value of these actions ({"os-start": null} is the usual form).
_ANY_VALUE = {}
NO_ARGUMENT_ACTIONS = ('os-start', 'os-stop', 'unlock', 'pause', 'unpause', 'suspend',
                       'resume', 'injectNetworkInfo', 'forceDelete', 'restore')
no_argument = {name: _body(name, _ANY_VALUE) for name in NO_ARGUMENT_ACTIONS}


def lock_schema(version):
    return lock_v273 if version >= '2.73' else lock


def by_action(version):
    """{action name: body schema} in force at ``version``."""
    schemas = {'reboot': reboot, 'lock': lock_schema(version), 'os-resetState': reset_state,
               'migrate': migrate_v256 if version >= '2.56' else _body('migrate', _ANY_VALUE)}
    schemas.update(no_argument)
    return schemas
