"""os-services views."""

import uuid

from cepheid.api.views import formats

# From 2.53 Nova identifies a service by a UUID. Cepheid derives a stable one from the
# (host, binary) pair, which is unique, instead of storing one.
SERVICE_NAMESPACE = uuid.UUID('3c0bd2a2-6f55-4c8e-9a55-0b7d1a7f6c11')
COMPUTE_ZONE = 'nova'       # Nova's default_availability_zone: Cepheid has no aggregates
INTERNAL_ZONE = 'internal'  # Nova's internal_service_availability_zone


def zone(row):
    """The availability zone of a service row: computes in ``nova``, others ``internal``."""
    return COMPUTE_ZONE if row['binary'].endswith('compute') else INTERNAL_ZONE


def service_uuid(row):
    return str(uuid.uuid5(SERVICE_NAMESPACE, f"{row['host']}/{row['binary']}"))


def service(row, *, version, is_up, binary=None):
    """``binary``: the name clients see (``[DEFAULT] binary_prefix``); default the stored one."""
    view = {
        'id': service_uuid(row) if version >= '2.53' else row['id'],
        'binary': binary or row['binary'],
        'host': row['host'],
        'zone': zone(row),
        'status': 'disabled' if row.get('disabled') else 'enabled',
        'state': 'up' if is_up else 'down',
        'updated_at': formats.perfect_time(row.get('last_seen_up') or row.get('updated_at')),
        'disabled_reason': row.get('disabled_reason'),
    }
    if version >= '2.11':
        view['forced_down'] = bool(row.get('forced_down'))
    return view
