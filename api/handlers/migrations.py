"""GET /os-migrations (admin): every server's moves, with Nova's filters per microversion;
GET /servers/{id}/migrations[/{migration_id}] (2.23+): a server's live migrations in
progress, as Nova shows them; their force-complete (POST .../{migration_id}/action
``{"force_complete": null}``, 2.22+) and abort (DELETE .../{migration_id}, 2.24+)."""

import flask
from oslo_utils import strutils
from oslo_utils import timeutils
from werkzeug import exceptions as wz_exceptions

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.policies import migrations as policies
from cepheid.api.schemas import migrations as schemas
from cepheid.api.views import migrations as views
from cepheid.common import exception

_PLAIN_FILTERS = ('host', 'instance_uuid', 'source_compute', 'status', 'migration_type')


def _last(params, name):
    values = params.get(name)
    return values[-1] if values else None


def _time(params, name):
    value = _last(params, name)
    return timeutils.normalize_time(timeutils.parse_isotime(value)) if value else None


def _filters(params, version):
    filters = {key: _last(params, key) for key in _PLAIN_FILTERS}
    # Hidden migrations are never shown (Nova drops them from its answer): asking for
    # them finds nothing, and a page's limit counts only shown ones.
    hidden = _last(params, 'hidden')
    filters['hidden'] = hidden is not None and strutils.bool_from_string(hidden)
    if version >= '2.59':
        filters['changes_since'] = _time(params, 'changes-since')
    if version >= '2.66':
        filters['changes_before'] = _time(params, 'changes-before')
        since, before = filters['changes_since'], filters['changes_before']
        if since and before and before < since:
            raise exception.ValidationError(
                detail='The value of changes-since must be less than or equal to '
                       'changes-before.')
    if version >= '2.80':
        filters['user_id'] = _last(params, 'user_id')
        filters['project_id'] = _last(params, 'project_id')
    return filters


def index():
    helpers.authorize(policies.MIGRATIONS % 'index', {})
    version = helpers.version()
    params = validation.validate_query(schemas.list_query_schema(version), flask.request.args)
    filters = _filters(params, version)
    paged = version >= '2.59'
    limit = helpers.query_limit() if paged else None
    with helpers.services().db.transaction() as session:
        try:
            rows = db_migrations.get_all(session, filters, newest_first=paged, limit=limit,
                                         marker=_last(params, 'marker') if paged else None)
        except exception.MarkerNotFound as exc:
            raise exception.ValidationError(detail=exc.format_message()) from exc
    base_url = helpers.base_url()
    items = [views.migration(r, version=version, base_url=base_url,
                             live_in_progress=db_migrations.LIVE_IN_PROGRESS)
             for r in rows if not r['hidden']]
    body = {'migrations': items}
    if paged:
        links = helpers.next_links('os-migrations', items, limit, key='uuid')
        if links:
            body['migrations_links'] = links
    return flask.jsonify(body)


def _server(server_id, policy, minimum='2.23'):
    if helpers.version() < minimum:
        raise wz_exceptions.NotFound()
    instance = helpers.load_instance(server_id)
    helpers.authorize(policies.SERVER_MIGRATIONS % policy,
                      {'project_id': instance['project_id']})
    return instance


def server_index(server_id):
    instance = _server(server_id, 'index')
    with helpers.services().db.transaction() as session:
        rows = db_migrations.get_all(session, {'instance_uuid': instance['uuid'],
                                               'migration_type': 'live-migration',
                                               'status': db_migrations.LIVE_IN_PROGRESS})
    version = helpers.version()
    return flask.jsonify({'migrations': [views.server_migration(r, version=version)
                                         for r in rows]})


def server_show(server_id, migration_id):
    instance = _server(server_id, 'show')
    uuid = instance['uuid']
    with helpers.services().db.transaction() as session:
        try:
            row = db_migrations.get(session, int(migration_id))
        except (ValueError, exception.MigrationNotFound):
            row = None
    if row is None or row['instance_uuid'] != uuid:
        raise exception.NotFound(f'In-progress live migration {migration_id} is not found '
                                 f'for server {uuid}.')
    if row['migration_type'] != 'live-migration':
        raise exception.NotFound(f'Migration {migration_id} for server {uuid} is not '
                                 'live-migration.')
    if row['status'] not in db_migrations.LIVE_IN_PROGRESS:
        raise exception.NotFound(f'Live migration {migration_id} for server {uuid} is not '
                                 'in progress.')
    return flask.jsonify({'migration': views.server_migration(row, version=helpers.version())})


def force_complete(server_id, migration_id):
    """202; a migration of another server, or not running, is a 400 (Nova's)."""
    instance = _server(server_id, 'force_complete', minimum='2.22')
    validation.validate(schemas.force_complete, helpers.json_body())
    compute_api = helpers.services().compute_api
    try:
        compute_api.live_migrate_force_complete(helpers.context(), instance, migration_id)
    except exception.MigrationNotFoundForInstance as exc:
        raise exception.ValidationError(detail=exc.format_message()) from exc
    return flask.Response(status=202)


def delete(server_id, migration_id):
    """Abort a running live migration (from 2.65 a queued or preparing one too): 202; 404
    for a migration of another server, 400 when it is in another status."""
    instance = _server(server_id, 'delete', minimum='2.24')
    helpers.services().compute_api.live_migrate_abort(
        helpers.context(), instance, migration_id, not_running=helpers.version() >= '2.65')
    return flask.Response(status=202)
