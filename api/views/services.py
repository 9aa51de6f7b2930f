"""os-services views."""

from cepheid.api.views import formats


def service(row, *, version, is_up):
    view = {
        'id': row['id'],
        'binary': row['binary'],
        'host': row['host'],
        'zone': 'nova' if row['binary'].endswith('compute') else 'internal',
        'status': 'disabled' if row.get('disabled') else 'enabled',
        'state': 'up' if is_up else 'down',
        'updated_at': formats.perfect_time(row.get('last_seen_up') or row.get('updated_at')),
        'disabled_reason': row.get('disabled_reason'),
    }
    if version >= '2.11':
        view['forced_down'] = bool(row.get('forced_down'))
    return view
