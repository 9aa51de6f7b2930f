"""GET /servers/{id}/os-instance-actions[/{request_id}]: a server's action log."""

import flask
from oslo_utils import timeutils

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import actions as db_actions
from cepheid.api.policies import instance_actions as ia_policies
from cepheid.api.schemas import instance_actions as schemas
from cepheid.api.views import instance_actions as views
from cepheid.common import exception

ACTIONS = ia_policies.ACTIONS


def _time(params, name):
    value = params.get(name)
    if not value:
        return None
    return timeutils.normalize_time(timeutils.parse_isotime(value[0]))


def _paging():
    """limit/marker/changes-since (2.58+) and changes-before (2.66+), schema-checked."""
    schema = schemas.list_query_schema(helpers.version())
    if schema is None:
        return {}, None
    params = validation.validate_query(schema, flask.request.args)
    paging = {'limit': helpers.query_limit(), 'marker': (params.get('marker') or [None])[0],
              'changes_since': _time(params, 'changes-since')}
    if 'changes-before' in schema['properties']:
        paging['changes_before'] = _time(params, 'changes-before')
        since, before = paging['changes_since'], paging['changes_before']
        if since and before and before < since:
            raise exception.ValidationError(
                detail='The value of changes-since must be less than or equal to '
                       'changes-before.')
    return paging, paging['limit']


def _load_instance(server_id):
    """From 2.21 the actions of a deleted server stay visible, as in Nova."""
    return helpers.load_instance(server_id, read_deleted=helpers.version() >= '2.21')


def index(server_id):
    instance = _load_instance(server_id)
    helpers.authorize(ACTIONS % 'list', helpers.instance_target(instance))
    paging, limit = _paging()
    with helpers.services().db.transaction() as session:
        try:
            rows = db_actions.action_list(session, instance['uuid'], **paging)
        except exception.InstanceActionNotFound as exc:
            raise exception.ValidationError(
                detail=f"Marker {paging['marker']} could not be found.") from exc
    version = helpers.version()
    body = {'instanceActions': [views.action(r, version=version) for r in rows]}
    if limit is not None:
        links = helpers.next_links(f"servers/{instance['uuid']}/os-instance-actions",
                                   body['instanceActions'], limit, key='request_id')
        if links:
            body['links'] = links
    return flask.jsonify(body)


def _event_flags(instance):
    """Which events (and admin-only event keys) the caller sees, as Nova decides."""
    version, target = helpers.version(), helpers.instance_target(instance)
    if helpers.allowed(ACTIONS % 'events', target):
        flags = {'traceback': True, 'host': version >= '2.62'}
    elif version >= '2.51':
        flags = {'traceback': False, 'host': False}
    else:
        return None
    flags['details'] = (version >= '2.84'
                        and helpers.allowed(ACTIONS % 'events:details', target))
    return flags


def show(server_id, request_id):
    instance = _load_instance(server_id)
    helpers.authorize(ACTIONS % 'show', helpers.instance_target(instance))
    version = helpers.version()
    with helpers.services().db.transaction() as session:
        try:
            row = db_actions.action_get(session, instance['uuid'], request_id)
        except exception.InstanceActionNotFound as exc:
            raise exception.NotFound(f'Action {request_id} not found') from exc
        events = db_actions.event_list(session, row['id'])
    view = views.action(row, version=version)
    flags = _event_flags(instance)
    if flags is not None:
        view['events'] = [views.event(e, version=version,
                                      project_id=row['project_id'] or instance['project_id'],
                                      **flags) for e in reversed(events)]
    return flask.jsonify({'instanceAction': view})
