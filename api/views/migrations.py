"""Migration views: os-migrations and a server's (live) migrations, per microversion."""

from cepheid.api.views import formats

_KEYS = ('id', 'status', 'instance_uuid', 'source_node', 'source_compute', 'dest_node',
         'dest_compute', 'dest_host', 'old_instance_type_id', 'new_instance_type_id')


def _user_project(view, row, version):
    if version >= '2.80':
        view['user_id'] = row['user_id']
        view['project_id'] = row['project_id']


def migration(row, *, version, base_url, live_in_progress):
    """One item of GET /os-migrations. From 2.23 ``migration_type``, and ``links`` to
    the server's migration when it is a live migration in progress; 2.59 ``uuid``."""
    view = {key: row[key] for key in _KEYS}
    view['created_at'] = formats.perfect_time(row['created_at'])
    view['updated_at'] = formats.perfect_time(row['updated_at'])
    if version >= '2.23':
        view['migration_type'] = row['migration_type']
        if row['migration_type'] == 'live-migration' and row['status'] in live_in_progress:
            view['links'] = formats.self_links(
                base_url, f"servers/{row['instance_uuid']}/migrations", row['id'])
    if version >= '2.59':
        view['uuid'] = row['uuid']
    _user_project(view, row, version)
    return view


def server_migration(row, *, version):
    """One item of GET /servers/{id}/migrations (Nova's server_migrations output)."""
    view = {
        'created_at': formats.perfect_time(row['created_at']),
        'dest_compute': row['dest_compute'],
        'dest_host': row['dest_host'],
        'dest_node': row['dest_node'],
        'disk_processed_bytes': row['disk_processed'],
        'disk_remaining_bytes': row['disk_remaining'],
        'disk_total_bytes': row['disk_total'],
        'id': row['id'],
        'memory_processed_bytes': row['memory_processed'],
        'memory_remaining_bytes': row['memory_remaining'],
        'memory_total_bytes': row['memory_total'],
        'server_uuid': row['instance_uuid'],
        'source_compute': row['source_compute'],
        'source_node': row['source_node'],
        'status': row['status'],
        'updated_at': formats.perfect_time(row['updated_at']),
    }
    if version >= '2.59':
        view['uuid'] = row['uuid']
    _user_project(view, row, version)
    return view
