"""Versioned payloads in Nova's shapes: InstanceActionPayload 1.9, InstanceCreatePayload 1.13,
FlavorPayload 1.4, ExceptionPayload 1.1.

Every key Nova sends is present; what Cepheid does not have (images, networks, volumes,
shares, keypairs, tags) is sent in Nova's empty form. Instance fields that other parts of
Cepheid may add later (``reservation_id``, ``access_ip_v4``, ``key_name``, ...) are read with
``.get`` so a record without them still builds. New actions reuse ``instance_action_payload``
(or ``instance_payload_data`` to extend it, as ``instance_create_payload`` does).
"""

import datetime
import traceback as tb_module

from cepheid.common import objects
from cepheid.common import states

NAMESPACE = 'nova'
#: Nova's notification datetime format (``2012-10-29T13:42:11Z``).
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def versioned(name, version, data):
    """The ``nova_object.*`` envelope around ``data``."""
    return {'nova_object.name': name, 'nova_object.namespace': NAMESPACE,
            'nova_object.version': version, 'nova_object.data': data}


def to_datetime(value):
    """A naive UTC datetime from a datetime or an ISO string (None stays None)."""
    if value is None or value == '':
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def format_time(value):
    """``YYYY-MM-DDTHH:MM:SSZ`` for a datetime or ISO string; None stays None."""
    value = to_datetime(value)
    return None if value is None else value.strftime(TIME_FORMAT)


def flavor_payload(instance):
    """FlavorPayload 1.4 from the flavor fields copied onto the instance record."""
    return versioned('FlavorPayload', '1.4', {
        'flavorid': instance['flavor_id'], 'name': instance['flavor_name'],
        'memory_mb': instance['memory_mb'], 'vcpus': instance['vcpus'],
        'root_gb': instance['root_gb'], 'ephemeral_gb': instance['ephemeral_gb'],
        'swap': instance['swap'], 'rxtx_factor': 1.0, 'vcpu_weight': 0,
        'is_public': True, 'disabled': False,
        'extra_specs': dict(instance.get('flavor_extra_specs') or {}),
        'projects': None, 'description': instance.get('flavor_description'),
    })


def exception_payload(exc, tb=None):
    """ExceptionPayload 1.1 for ``exc`` (module and function of the raising frame)."""
    frames = tb_module.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    last = frames[-1] if frames else None
    return versioned('ExceptionPayload', '1.1', {
        'exception': type(exc).__name__,
        'exception_message': str(exc),
        'function_name': last.name if last else '',
        'module_name': _module_of(last.filename) if last else '',
        'traceback': tb or ''.join(tb_module.format_exception(exc)),
    })


def _module_of(filename):
    parts = filename.replace('\\', '/').rsplit('/cepheid/', 1)
    path = parts[-1] if len(parts) > 1 else filename.rsplit('/', 1)[-1]
    return path.removesuffix('.py').replace('/', '.')


def _power_state_name(instance):
    power_state = instance.get('power_state') or states.NOSTATE
    return states.POWER_STATE_NAMES.get(power_state, 'pending')


def _metadata(instance):
    return {str(k): str(v) for k, v in (instance.get('meta') or {}).items()}


def instance_payload_data(context, instance):
    """The ``nova_object.data`` keys of Nova's InstancePayload (without ``fault``)."""
    return {
        'uuid': instance['uuid'], 'user_id': instance['user_id'],
        'tenant_id': instance['project_id'],
        'reservation_id': instance.get('reservation_id'),
        'display_name': instance['display_name'],
        'display_description': instance.get('description'),
        'host_name': objects.hostname(instance),
        'host': instance.get('host'), 'node': instance.get('node'),
        'os_type': None, 'architecture': None,
        'availability_zone': instance.get('availability_zone'),
        'flavor': flavor_payload(instance),
        'image_uuid': instance.get('image_ref') or '',
        'key_name': instance.get('key_name'),
        'kernel_id': '', 'ramdisk_id': '',
        'created_at': format_time(instance.get('created_at')),
        'launched_at': format_time(instance.get('launched_at')),
        'terminated_at': format_time(instance.get('terminated_at')),
        'deleted_at': format_time(instance.get('deleted_at')),
        'updated_at': format_time(instance.get('updated_at')),
        'state': instance['vm_state'], 'power_state': _power_state_name(instance),
        'task_state': instance.get('task_state'), 'progress': 0,
        'ip_addresses': [], 'block_devices': [], 'shares': [],
        'metadata': _metadata(instance),
        'locked': bool(instance.get('locked')),
        'locked_reason': instance.get('locked_reason'),
        'auto_disk_config': 'MANUAL',
        # Nova leaves request_id out of periodic tasks' notifications (no user/project).
        'request_id': (context.request_id if context.user_id and context.project_id
                       else None),
        'action_initiator_user': context.user_id,
        'action_initiator_project': context.project_id,
    }


def instance_action_payload(context, instance, *, fault=None, **extra):
    """InstanceActionPayload 1.9; ``fault`` is an ``exception_payload`` or None.

    ``extra``: keys a subclass payload adds (see the builders below)."""
    data = instance_payload_data(context, instance)
    data['fault'] = fault
    data.update(extra)
    return versioned('InstanceActionPayload', '1.9', data)


def _subclass_payload(name, version, context, instance, fault, extra):
    payload = instance_action_payload(context, instance, fault=fault, **extra)
    payload.update({'nova_object.name': name, 'nova_object.version': version})
    return payload


def instance_create_payload(context, instance, *, fault=None, **extra):
    """InstanceCreatePayload 1.13 (``instance.create.*``): the action payload plus the
    keypairs, tags, trusted image certificates and the instance (domain) name."""
    extra = {'keypairs': [], 'tags': list(instance.get('tags') or []),
             'trusted_image_certificates': None,
             'instance_name': instance.get('instance_name'), **extra}
    return _subclass_payload('InstanceCreatePayload', '1.13', context, instance, fault, extra)


def instance_rebuild_payload(context, instance, *, fault=None, **extra):
    """InstanceActionRebuildPayload 1.10 (``instance.rebuild.*``)."""
    extra = {'trusted_image_certificates': None, **extra}
    return _subclass_payload('InstanceActionRebuildPayload', '1.10', context, instance,
                             fault, extra)


def instance_rescue_payload(context, instance, *, fault=None, **extra):
    """InstanceActionRescuePayload 1.4 (``instance.rescue.*``); pass ``rescue_image_ref``."""
    extra = {'rescue_image_ref': None, **extra}
    return _subclass_payload('InstanceActionRescuePayload', '1.4', context, instance,
                             fault, extra)


def instance_resize_prep_payload(context, instance, *, fault=None, new_flavor=None, **extra):
    """InstanceActionResizePrepPayload 1.4 (``instance.resize_prep.*``): ``new_flavor`` is
    the flavor asked for, as instance columns (flavor_id, flavor_name, vcpus, ...)."""
    extra = {'new_flavor': flavor_payload(new_flavor) if new_flavor else None, **extra}
    return _subclass_payload('InstanceActionResizePrepPayload', '1.4', context, instance,
                             fault, extra)


#: Payload builder per action; actions not listed use ``instance_action_payload``
#: (unrescue, trigger_crash_dump, soft_delete, restore, shutdown... are plain action payloads).
PAYLOAD_BUILDERS = {'create': instance_create_payload, 'rebuild': instance_rebuild_payload,
                    'rebuild_scheduled': instance_rebuild_payload,
                    'rescue': instance_rescue_payload,
                    'resize_prep': instance_resize_prep_payload}


def payload_for(action, context, instance, *, fault=None, **extra):
    """The versioned payload of ``instance.<action>.*`` (``extra``: the subclass's keys)."""
    build = PAYLOAD_BUILDERS.get(action, instance_action_payload)
    return build(context, instance, fault=fault, **extra)
