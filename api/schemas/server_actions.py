"""JSON schemas of POST /servers/{id}/action bodies, one per action and microversion range.

Rebuild, rescue, changePassword and os-getConsoleOutput follow Nova's schemas; Cepheid has
no image service, so an image reference is any non-empty string (as at create).

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

# os-migrateLive (Nova's migrate_live schemas): block_migration, disk_over_commit and host
# all required; 2.25 drops disk_over_commit and lets block_migration be "auto"; 2.30 adds
# force; 2.68 removes it.
_LIVE_HOST = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255,
              'pattern': '^[a-zA-Z0-9-._]*$'}
_BLOCK_MIGRATION_V225 = {'type': ['boolean', 'string'],
                         'enum': [*parameter_types.boolean['enum'], 'auto']}


def _migrate_live(properties):
    return _body('os-migrateLive', {
        'type': 'object', 'properties': properties,
        'required': [k for k in ('block_migration', 'disk_over_commit', 'host')
                     if k in properties],
        'additionalProperties': False,
    })


migrate_live = _migrate_live({'block_migration': parameter_types.boolean,
                              'disk_over_commit': parameter_types.boolean,
                              'host': _LIVE_HOST})
migrate_live_v225 = _migrate_live({'block_migration': _BLOCK_MIGRATION_V225,
                                   'host': _LIVE_HOST})
migrate_live_v230 = _migrate_live({'block_migration': _BLOCK_MIGRATION_V225,
                                   'host': _LIVE_HOST, 'force': parameter_types.boolean})
migrate_live_v268 = migrate_live_v225


def migrate_live_schema(version):
    for minimum, schema in (('2.68', migrate_live_v268), ('2.30', migrate_live_v230),
                            ('2.25', migrate_live_v225)):
        if version >= minimum:
            return schema
    return migrate_live


# resize: the new flavor (an id or a link) and the disk config (Nova's resize schema).
resize = _body('resize', {
    'type': 'object',
    'properties': {
        'flavorRef': parameter_types.flavor_ref,
        'OS-DCF:diskConfig': parameter_types.disk_config,
    },
    'required': ['flavorRef'],
    'additionalProperties': False,
})

# evacuate (Nova's schemas): onSharedStorage is required before 2.14 and gone from it;
# force is 2.29 to 2.67.
_EVACUATE_V214 = {'host': parameter_types.compute_host,
                  'adminPass': parameter_types.admin_password}


def _evacuate(fields, required=()):
    value = {'type': 'object', 'properties': fields, 'additionalProperties': False}
    if required:
        value['required'] = list(required)
    return _body('evacuate', value)


evacuate = _evacuate({**_EVACUATE_V214, 'onSharedStorage': parameter_types.boolean},
                     required=['onSharedStorage'])
evacuate_v214 = _evacuate(_EVACUATE_V214)
evacuate_v229 = _evacuate({**_EVACUATE_V214, 'force': parameter_types.boolean})
evacuate_v268 = evacuate_v214


def evacuate_schema(version):
    for minimum, schema in (('2.68', evacuate_v268), ('2.29', evacuate_v229),
                            ('2.14', evacuate_v214)):
        if version >= minimum:
            return schema
    return evacuate


# Nova does not look at the value of these actions ({"os-start": null} is the usual form).
_ANY_VALUE = {}
NO_ARGUMENT_ACTIONS = ('os-start', 'os-stop', 'unlock', 'pause', 'unpause', 'suspend',
                       'resume', 'injectNetworkInfo', 'forceDelete', 'restore', 'unrescue',
                       'confirmResize', 'revertResize')
no_argument = {name: _body(name, _ANY_VALUE) for name in NO_ARGUMENT_ACTIONS}

_IMAGE = {'type': 'string', 'minLength': 1, 'maxLength': 255}

rescue = _body('rescue', {
    'type': ['object', 'null'],
    'properties': {'adminPass': parameter_types.admin_password, 'rescue_image_ref': _IMAGE},
    'additionalProperties': False,
})

trigger_crash_dump = _body('trigger_crash_dump', {'type': 'null'})

change_password = _body('changePassword', {
    'type': 'object',
    'properties': {'adminPass': parameter_types.admin_password},
    'required': ['adminPass'],
    'additionalProperties': False,
})

get_console_output = _body('os-getConsoleOutput', {
    'type': 'object',
    'properties': {
        # -1 and null mean the whole log.
        'length': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$',
                   'minimum': -1},
    },
    'additionalProperties': False,
})

_REBUILD_FIELDS = {
    'name': parameter_types.name,
    'imageRef': _IMAGE,
    'adminPass': parameter_types.admin_password,
    'metadata': parameter_types.metadata,
    'preserve_ephemeral': parameter_types.boolean,
    'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
    'accessIPv4': parameter_types.access_ip_v4,
    'accessIPv6': parameter_types.access_ip_v6,
    'personality': {'type': 'array', 'items': {'type': 'object'}},
}


def _rebuild(fields):
    return _body('rebuild', {'type': 'object', 'properties': fields, 'required': ['imageRef'],
                             'additionalProperties': False})


rebuild = _rebuild(_REBUILD_FIELDS)
rebuild_v219 = _rebuild({**_REBUILD_FIELDS, 'description': parameter_types.description})
rebuild_v254 = _rebuild({**_REBUILD_FIELDS, 'description': parameter_types.description,
                         'key_name': parameter_types.name_or_none})
# 2.57 drops personality (file injection) and adds user_data.
_V257 = {k: v for k, v in _REBUILD_FIELDS.items() if k != 'personality'}
_FIELDS_V257 = {**_V257, 'description': parameter_types.description,
                'key_name': parameter_types.name_or_none, 'user_data': parameter_types.user_data}
rebuild_v257 = _rebuild(_FIELDS_V257)
rebuild_v290 = _rebuild({**_FIELDS_V257, 'hostname': parameter_types.hostname})


def lock_schema(version):
    return lock_v273 if version >= '2.73' else lock


def rebuild_schema(version):
    for minimum, schema in (('2.90', rebuild_v290), ('2.57', rebuild_v257),
                            ('2.54', rebuild_v254),
                            ('2.19', rebuild_v219)):
        if version >= minimum:
            return schema
    return rebuild


# Actions that exist only from a microversion on (before it: 404, as in Nova).
MIN_VERSIONS = {'trigger_crash_dump': '2.17'}


def by_action(version):
    """{action name: body schema} in force at ``version``."""
    schemas = {'reboot': reboot, 'lock': lock_schema(version), 'os-resetState': reset_state,
               'migrate': migrate_v256 if version >= '2.56' else _body('migrate', _ANY_VALUE),
               'rebuild': rebuild_schema(version), 'rescue': rescue,
               'changePassword': change_password, 'os-getConsoleOutput': get_console_output,
               'resize': resize, 'evacuate': evacuate_schema(version),
               'os-migrateLive': migrate_live_schema(version)}
    schemas.update(no_argument)
    if version >= MIN_VERSIONS['trigger_crash_dump']:
        schemas['trigger_crash_dump'] = trigger_crash_dump
    return schemas
