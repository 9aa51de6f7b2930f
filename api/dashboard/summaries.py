"""Instance summaries and timeline entries, from a database row or a notification payload."""

import datetime

from cepheid.common import states

_NAME_TO_POWER = {name: code for code, name in states.POWER_STATE_NAMES.items()}


def iso(value):
    """``2026-12-01T13:00:00.123456Z`` for a naive-UTC datetime or Nova's timestamp text."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.replace(' ', 'T').rstrip('Z').split('+')[0]
        value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def from_row(row):
    """The dashboard's view of an instance row (JSON-able)."""
    return {
        'uuid': row['uuid'], 'name': row['display_name'], 'project_id': row['project_id'],
        'user_id': row['user_id'], 'vm_state': row['vm_state'],
        'task_state': row['task_state'], 'power_state': int(row['power_state'] or 0),
        'host': row['host'], 'locked': bool(row['locked']),
        'locked_by': row.get('locked_by'), 'locked_reason': row.get('locked_reason'),
        'launched': row.get('launched_at') is not None,
        'updated_at': iso(row.get('updated_at') or row.get('created_at')),
    }


def with_status(summary):
    """``summary`` plus the REST status and the power state's name."""
    return dict(summary,
                status=states.status_from_state(summary['vm_state'], summary['task_state']),
                power_state_name=states.POWER_STATE_NAMES.get(summary['power_state'], '?'))


def changed(previous, summary):
    """True when the states a timeline shows differ (or nothing was known before)."""
    keys = ('task_state', 'vm_state', 'power_state', 'locked')
    return previous is None or any(previous[k] != summary[k] for k in keys)


def state_entry(summary):
    return {'time': summary['updated_at'], 'source': 'db', 'what': 'state',
            'task_state': summary['task_state'], 'vm_state': summary['vm_state'],
            'power_state': states.POWER_STATE_NAMES.get(summary['power_state'], '?'),
            'locked': summary['locked']}


def notification_entry(event_type, data, timestamp):
    """A timeline entry for a versioned notification (``nova_object.data`` = ``data``)."""
    return {'time': iso(timestamp), 'source': 'bus', 'what': event_type,
            'task_state': data.get('task_state'), 'vm_state': data.get('state'),
            'power_state': data.get('power_state'), 'locked': data.get('locked'),
            'request_id': data.get('request_id')}


def action_entries(action, events):
    """Timeline entries for an instance action and its events (from the database)."""
    entries = [{'time': iso(action['start_time']), 'source': 'action',
                'what': f"{action['action']} requested", 'request_id': action['request_id']}]
    for event in events:
        entries.append({'time': iso(event['start_time']), 'source': 'action',
                        'what': f"{event['event']} started",
                        'request_id': action['request_id']})
        if event.get('finish_time'):
            entries.append({'time': iso(event['finish_time']), 'source': 'action',
                            'what': f"{event['event']} {event.get('result') or ''}".strip(),
                            'request_id': action['request_id']})
    return entries
