"""Instance notifications in Nova's formats: versioned (InstanceActionPayload 1.9) and legacy."""

import traceback as tb_module

from oslo_log import log as logging

from cepheid.common import rpc
from cepheid.common import states

LOG = logging.getLogger(__name__)


def _versioned(name, version, data):
    return {'nova_object.name': name, 'nova_object.namespace': 'nova',
            'nova_object.version': version, 'nova_object.data': data}


def flavor_payload(instance):
    return _versioned('FlavorPayload', '1.4', {
        'flavorid': instance['flavor_id'], 'name': instance['flavor_name'],
        'memory_mb': instance['memory_mb'], 'vcpus': instance['vcpus'],
        'root_gb': instance['root_gb'], 'ephemeral_gb': instance['ephemeral_gb'],
        'swap': instance['swap'], 'rxtx_factor': 1.0, 'is_public': True,
        'disabled': False, 'extra_specs': {}, 'projects': None, 'description': None,
    })


def exception_payload(exc, tb=None):
    """Nova's ExceptionPayload for ``exc`` (the module/function of the raising frame)."""
    frames = tb_module.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    last = frames[-1] if frames else None
    return _versioned('ExceptionPayload', '1.1', {
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


def instance_action_payload(context, instance, *, fault=None):
    power_state = instance.get('power_state') or states.NOSTATE
    return _versioned('InstanceActionPayload', '1.9', {
        'uuid': instance['uuid'], 'user_id': instance['user_id'],
        'tenant_id': instance['project_id'], 'display_name': instance['display_name'],
        'display_description': instance.get('description'),
        'host': instance['host'], 'node': instance.get('node'),
        'host_name': instance['display_name'],
        'availability_zone': instance.get('availability_zone'),
        'flavor': flavor_payload(instance), 'image_uuid': instance.get('image_ref'),
        'state': instance['vm_state'],
        'power_state': states.POWER_STATE_NAMES.get(power_state, 'pending'),
        'task_state': instance['task_state'], 'progress': 0,
        'locked': bool(instance.get('locked')), 'locked_reason': instance.get('locked_reason'),
        'metadata': instance.get('meta') or {}, 'key_name': None, 'ip_addresses': [],
        'block_devices': [], 'kernel_id': '', 'ramdisk_id': '', 'os_type': None,
        'architecture': None, 'auto_disk_config': 'MANUAL', 'reservation_id': '',
        'request_id': context.request_id,
        'action_initiator_user': context.user_id,
        'action_initiator_project': context.project_id,
        'created_at': instance.get('created_at'), 'launched_at': instance.get('launched_at'),
        'updated_at': instance.get('updated_at'), 'terminated_at': instance.get('terminated_at'),
        'deleted_at': None, 'fault': fault,
    })


def legacy_payload(instance, *, exception=None):
    """The flat payload of Nova's unversioned ``compute.instance.*`` notifications."""
    power_state = instance.get('power_state') or states.NOSTATE
    payload = {
        'tenant_id': instance['project_id'], 'user_id': instance['user_id'],
        'instance_id': instance['uuid'], 'display_name': instance['display_name'],
        'hostname': instance['display_name'], 'host': instance['host'],
        'node': instance.get('node'), 'availability_zone': instance.get('availability_zone'),
        'instance_type': instance['flavor_name'], 'instance_flavor_id': instance['flavor_id'],
        'memory_mb': instance['memory_mb'], 'vcpus': instance['vcpus'],
        'root_gb': instance['root_gb'], 'ephemeral_gb': instance['ephemeral_gb'],
        'disk_gb': instance['root_gb'] + instance['ephemeral_gb'],
        'image_ref_url': instance.get('image_ref') or '',
        'state': instance['vm_state'], 'state_description': instance['task_state'] or '',
        'power_state': power_state, 'progress': '',
        'created_at': instance.get('created_at'), 'launched_at': instance.get('launched_at') or '',
        'terminated_at': instance.get('terminated_at') or '', 'deleted_at': '',
        'metadata': instance.get('meta') or {}, 'locked': bool(instance.get('locked')),
    }
    if exception is not None:
        payload['exception'] = str(exception)
    return payload


class InstanceNotifier:
    """Emits ``instance.<action>.<phase>`` (versioned) and ``compute.instance.…`` (legacy)."""

    def __init__(self, conf, transport, *, service, host):
        fmt = conf.notifications.notification_format
        topics = conf.notifications
        self.versioned = None
        self.legacy = None
        if fmt in ('versioned', 'both'):
            self.versioned = rpc.get_notifier(conf, transport, f'{service}:{host}',
                                              topics.versioned_notifications_topics)
        if fmt in ('unversioned', 'both'):
            self.legacy = rpc.get_notifier(conf, transport, f'compute.{host}',
                                           topics.legacy_notifications_topics)

    def notify(self, context, instance, action, phase=None, *, exc=None, legacy=True):
        """Send ``instance.<action>[.<phase>]``; ``phase='error'`` goes at ERROR priority.

        ``legacy=False`` for events Nova has no unversioned form of (lock, unlock).
        """
        event = f'instance.{action}' + (f'.{phase}' if phase else '')
        try:
            if self.versioned is not None:
                fault = exception_payload(exc) if exc is not None else None
                payload = instance_action_payload(context, instance, fault=fault)
                send = self.versioned.error if phase == 'error' else self.versioned.info
                send(context, event, payload)
            if self.legacy is not None and legacy:
                send = self.legacy.error if phase == 'error' else self.legacy.info
                send(context, f'compute.{event}', legacy_payload(instance, exception=exc))
        except Exception:
            LOG.exception('Failed to send notification %s for %s', event, instance['uuid'])
