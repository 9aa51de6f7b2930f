"""/os-services: list the services and whether they are up; enable, disable, force down
(by host and binary before 2.53, by id from 2.53) and delete a compute service."""

import uuid

import flask
from oslo_utils import strutils

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.api.policies import services as service_policies
from cepheid.api.schemas import services as schemas
from cepheid.api.views import services as views
from cepheid.common import binaries
from cepheid.common import exception

COMPUTE = 'cepheid-compute'
LEGACY_ACTIONS = ('enable', 'disable', 'disable-log-reason', 'force-down')


def index():
    helpers.authorize(service_policies.SERVICES % 'list')
    args = flask.request.args
    conf = helpers.services().conf
    # The database keeps canonical names; clients see and filter by [DEFAULT] binary_prefix.
    binary = args.get('binary')
    rows, zones = [], {}
    if binary is None or binaries.from_shown(conf, binary) is not None:
        with helpers.services().db.transaction() as session:
            rows = db_services.service_list(
                session, binary=binary and binaries.from_shown(conf, binary),
                host=args.get('host'))
            zones = db_aggregates.host_zones(session)
    version = helpers.version()
    return flask.jsonify({'services': [
        views.service(r, version=version, is_up=db_services.is_up(r, conf.service_down_time),
                      binary=binaries.shown(conf, r['binary']),
                      host_zones=zones)
        for r in rows]})


def _find(session, service_id):
    """The service row named by ``service_id``: a UUID from 2.53, the integer id before."""
    rows = db_services.service_list(session)
    if helpers.version() >= '2.53':
        try:
            uuid.UUID(service_id)
        except ValueError:
            raise exception.ValidationError(detail=f'Invalid uuid {service_id}') from None
        found = [r for r in rows if views.service_uuid(r) == service_id]
    else:
        found = [r for r in rows if str(r['id']) == service_id]
    if not found:
        raise exception.NotFound(f'Service {service_id} could not be found.')
    return found[0]


def _only_computes(conf, row):
    if row['binary'] != COMPUTE:
        shown = binaries.shown(conf, row['binary'])
        raise exception.ValidationError(
            detail=f'Updating a {shown} service is not supported. Only '
                   f'{binaries.shown(conf, COMPUTE)} services can be updated.')


def _view(row):
    conf = helpers.services().conf
    with helpers.services().db.transaction() as session:
        zones = db_aggregates.host_zones(session, [row['host']])
    return views.service(row, version=helpers.version(),
                         is_up=db_services.is_up(row, conf.service_down_time),
                         binary=binaries.shown(conf, row['binary']), host_zones=zones)


def update(service_id):
    """PUT /os-services/{id} (2.53+), or the legacy ``enable``/``disable``/... actions."""
    if helpers.version() < '2.53' or service_id in LEGACY_ACTIONS:
        return _legacy_update(service_id)
    helpers.authorize(service_policies.SERVICES % 'update', {})
    body = validation.validate(schemas.update_v253, helpers.json_body())
    status, reason = body.get('status'), body.get('disabled_reason')
    if reason and status != 'disabled':
        raise exception.ValidationError(
            detail="Specifying 'disabled_reason' with status 'enabled' is invalid."
            if status else "Specifying 'disabled_reason' requires status 'disabled'.")
    if status is None and 'forced_down' not in body:
        raise exception.ValidationError(
            detail="No updates were requested. Fields 'status' or 'forced_down' should "
                   'be specified.')
    values = {}
    if status is not None:
        values.update(disabled=status == 'disabled', disabled_reason=reason)
    if 'forced_down' in body:
        values['forced_down'] = strutils.bool_from_string(body['forced_down'], strict=True)
    with helpers.services().db.transaction() as session:
        row = _find(session, service_id)
        _only_computes(helpers.services().conf, row)
        row = db_services.service_update(session, row['id'], values)
    return flask.jsonify({'service': _view(row)})


def _legacy_update(action):
    """PUT /os-services/enable|disable|disable-log-reason|force-down (before 2.53)."""
    helpers.authorize(service_policies.SERVICES % 'update', {})
    version = helpers.version()
    if action not in LEGACY_ACTIONS or (action == 'force-down' and version < '2.11'):
        raise exception.NotFound('Unknown action')
    body = validation.validate(schemas.update_schema(version), helpers.json_body())
    conf = helpers.services().conf
    binary = binaries.from_shown(conf, body['binary']) or body['binary']
    shown = {'host': body['host'], 'binary': body['binary']}
    if action == 'force-down':
        if 'forced_down' not in body:
            raise exception.ValidationError(detail='Missing forced_down field')
        forced = strutils.bool_from_string(body['forced_down'], strict=True)
        values, view = {'forced_down': forced}, dict(shown, forced_down=forced)
    elif action == 'enable':
        values = {'disabled': False, 'disabled_reason': None}
        view = dict(shown, status='enabled')
    else:
        reason = body.get('disabled_reason') if action == 'disable-log-reason' else None
        if action == 'disable-log-reason' and not reason:
            raise exception.ValidationError(detail='Missing disabled reason field')
        values = {'disabled': True, 'disabled_reason': reason}
        view = dict(shown, status='disabled', **({'disabled_reason': reason} if reason else {}))
    with helpers.services().db.transaction() as session:
        rows = db_services.service_list(session, binary=binary, host=body['host'])
        if binary != COMPUTE:
            _only_computes(conf, {'binary': binary})
        if not rows:
            raise exception.NotFound(
                f"Could not find binary {body['binary']} on host {body['host']}.")
        db_services.service_update(session, rows[0]['id'], values)
    return flask.jsonify({'service': view})


def delete(service_id):
    """DELETE /os-services/{id}: refused (409) while the compute hosts instances."""
    helpers.authorize(service_policies.SERVICES % 'delete', {})
    with helpers.services().db.transaction() as session:
        row = _find(session, service_id)
        if row['binary'] == COMPUTE and db_instances.count_by_host(session).get(row['host']):
            raise exception.Conflict(
                'Unable to delete compute service that is hosting instances. Migrate or '
                'delete the instances first.')
        db_services.service_delete(session, row['id'])
    return '', 204
