"""Legacy (unversioned) ``compute.instance.*`` payloads: Nova's ``info_from_instance()``.

Exactly Nova's key set, with Nova's value forms: ``created_at`` as ``str(datetime)``
(``2026-12-01 10:36:34+00:00``), the other times as ``YYYY-MM-DDTHH:MM:SS.ffffff`` or ``''``,
``state_description``/``cell_name`` ``''`` when empty, ``progress`` ``''`` when 0.
``.error`` payloads add Nova's ``exception_to_dict()``: ``message`` and ``code``.
"""

import datetime

from cepheid.common import objects
from cepheid.common.notifications import payloads

#: Nova's strtime format (legacy launched/terminated/deleted_at).
STRTIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'

#: Per-event extra keys Nova's compute manager adds (``extra_usage_info``, network info).
EVENT_EXTRAS = {
    'create.start': {'image_name': None},
    'create.end': {'message': 'Success', 'fixed_ips': []},
}


def _created_at(value):
    value = payloads.to_datetime(value)
    if value is None:
        return 'None'
    return str(value.replace(microsecond=0, tzinfo=datetime.UTC))


def _strtime(value):
    value = payloads.to_datetime(value)
    return '' if value is None else value.strftime(STRTIME_FORMAT)


def info_from_instance(instance):
    """The payload Nova's ``info_from_instance()`` builds (no network info)."""
    root_gb, ephemeral_gb = instance['root_gb'], instance['ephemeral_gb']
    return {
        'tenant_id': instance['project_id'], 'user_id': instance['user_id'],
        'instance_id': instance['uuid'], 'display_name': instance['display_name'],
        'reservation_id': instance.get('reservation_id'),
        'hostname': objects.hostname(instance),
        'instance_type': instance['flavor_name'],
        'instance_type_id': instance.get('instance_type_id'),
        'instance_flavor_id': instance['flavor_id'], 'architecture': None,
        'memory_mb': instance['memory_mb'], 'disk_gb': root_gb + ephemeral_gb,
        'vcpus': instance['vcpus'], 'root_gb': root_gb, 'ephemeral_gb': ephemeral_gb,
        'host': instance.get('host'), 'node': instance.get('node'),
        'availability_zone': instance.get('availability_zone'), 'cell_name': '',
        'created_at': _created_at(instance.get('created_at')),
        'terminated_at': _strtime(instance.get('terminated_at')),
        'deleted_at': _strtime(instance.get('deleted_at')),
        'launched_at': _strtime(instance.get('launched_at')),
        'image_ref_url': instance.get('image_ref'),
        'os_type': None, 'kernel_id': '', 'ramdisk_id': '',
        'state': instance['vm_state'],
        'state_description': instance.get('task_state') or '',
        'progress': '',
        'access_ip_v4': instance.get('access_ip_v4'),
        'access_ip_v6': instance.get('access_ip_v6'),
        'image_meta': {},
        'metadata': dict(instance.get('meta') or {}),
    }


def exception_to_dict(exc):
    """Nova's ``exception_to_dict()``: the fault's ``message`` and ``code``."""
    code = getattr(exc, 'code', 500)
    message = exc.format_message() if hasattr(exc, 'format_message') else str(exc)
    return {'message': message or type(exc).__name__,
            'code': code if isinstance(code, int) else 500}


def legacy_payload(instance, *, event=None, exception=None):
    """The payload of ``compute.instance.<event>`` (``event`` like ``'reboot.end'``)."""
    payload = info_from_instance(instance)
    payload.update(EVENT_EXTRAS.get(event, {}))
    if exception is not None:
        payload.update(exception_to_dict(exception))
    return payload
