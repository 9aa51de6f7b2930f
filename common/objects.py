"""The instance record as it crosses the bus: a plain dict with JSON-able values."""

import datetime
import re

# Fields a compute needs; the api service sends exactly these.
INSTANCE_FIELDS = (
    'uuid', 'display_name', 'description', 'project_id', 'user_id', 'host', 'node',
    'availability_zone', 'flavor_id', 'flavor_name', 'vcpus', 'memory_mb', 'root_gb',
    'ephemeral_gb', 'swap', 'image_ref', 'vm_state', 'task_state', 'power_state',
    'launched_at', 'terminated_at', 'locked', 'locked_by', 'locked_reason', 'meta',
    'created_at', 'updated_at',
    # for notifications (Nova's payloads carry them)
    'reservation_id', 'access_ip_v4', 'access_ip_v6', 'hostname',
    'key_name', 'flavor_extra_specs',
)

TIME_FIELDS = ('launched_at', 'terminated_at', 'created_at', 'updated_at')


def instance_to_primitive(instance):
    """The bus form of an instance dict: known fields only, datetimes as ISO strings."""
    out = {}
    for key in INSTANCE_FIELDS:
        value = instance.get(key)
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        out[key] = value
    return out


def instance_from_primitive(primitive):
    """Validate a received instance dict: it must carry a uuid and only known fields."""
    if not isinstance(primitive, dict) or not isinstance(primitive.get('uuid'), str):
        raise ValueError('instance must be a dict with a uuid')
    unknown = set(primitive) - set(INSTANCE_FIELDS)
    if unknown:
        raise ValueError(f'unknown instance fields: {sorted(unknown)}')
    return dict(primitive)


def parse_time(value):
    """An ISO string (or datetime, or None) as a naive UTC datetime."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def sanitized_hostname(display_name, uuid):
    """Nova's sanitised hostname of a server name."""
    name = display_name.lower().replace(' ', '-').replace('_', '-')
    name = re.sub(r'[^a-z0-9.-]', '', name).strip('.-')[:63]
    return name or f'server-{uuid}'


def hostname(instance):
    """The server's hostname: set at create or update (2.90), else derived from its name."""
    return instance.get('hostname') or sanitized_hostname(instance['display_name'],
                                                          instance['uuid'])
