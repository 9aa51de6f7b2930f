"""Instance action and event views (os-instance-actions), per microversion."""

from cepheid.api.views import formats

ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id', 'project_id', 'message')


def action(row, *, version):
    view = {key: row.get(key) for key in ACTION_KEYS}
    view['start_time'] = formats.perfect_time(row.get('start_time'))
    if version >= '2.58':
        view['updated_at'] = formats.perfect_time(row.get('updated_at') or row.get('created_at'))
    return view


def event(row, *, version, project_id, traceback=False, host=False, details=False):
    """One event; the flags say which admin-only keys the caller may see."""
    view = {
        'event': row['event'],
        'start_time': formats.perfect_time(row.get('start_time')),
        'finish_time': formats.perfect_time(row.get('finish_time')),
        'result': row.get('result'),
    }
    if traceback:
        view['traceback'] = row.get('traceback')
    if host:
        view['host'] = row.get('host')
    if version >= '2.62':
        view['hostId'] = formats.host_id(project_id, row.get('host'))
    if details:
        view['details'] = row.get('details')
    return view
