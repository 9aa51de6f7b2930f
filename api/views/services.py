"""os-services views."""

import uuid

from cepheid.api.views import formats

# From 2.53 Nova identifies a service by a UUID. Cepheid derives a stable one from the
# (host, binary) pair, which is unique, instead of storing one.
SERVICE_NAMESPACE = uuid.UUID('3c0bd2a2-6f55-4c8e-9a55-0b7d1a7f6c11')
COMPUTE_ZONE = 'nova'       # Nova's default_availability_zone: a compute in no zoned aggregate
INTERNAL_ZONE = 'internal'  # Nova's internal_service_availability_zone


def zone(row, host_zones=None):
    """The availability zone of a service row: a compute's is that of its aggregates
    (``host_zones``: host → zone, db.aggregates.host_zones) or ``nova``; others ``internal``."""
    if not row['binary'].endswith('compute'):
        return INTERNAL_ZONE
    return (host_zones or {}).get(row['host'], COMPUTE_ZONE)


def service_uuid(row):
    return str(uuid.uuid5(SERVICE_NAMESPACE, f"{row['host']}/{row['binary']}"))


def service(row, *, version, is_up, binary=None, host_zones=None):
    """``binary``: the name clients see (``[DEFAULT] binary_prefix``); default the stored one."""
    view = {
        'id': service_uuid(row) if version >= '2.53' else row['id'],
        'binary': binary or row['binary'],
        'host': row['host'],
        'zone': zone(row, host_zones),
        'status': 'disabled' if row.get('disabled') else 'enabled',
        'state': 'up' if is_up else 'down',
        'updated_at': formats.perfect_time(row.get('last_seen_up') or row.get('updated_at')),
        'disabled_reason': row.get('disabled_reason'),
    }
    if version >= '2.11':
        view['forced_down'] = bool(row.get('forced_down'))
    return view
