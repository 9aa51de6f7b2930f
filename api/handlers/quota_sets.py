"""os-quota-sets: show, defaults, detail (limit, in_use, reserved), update and delete the
quotas of a project, or of one user in it (``?user_id=``), in Nova's shape (api.quota
counts and enforces them)."""

import flask
from oslo_utils import strutils

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.db import quotas as db_quotas
from cepheid.api.policies import quota_sets as policies
from cepheid.api.schemas import quota_sets as schemas
from cepheid.common import exception

QUOTAS = policies.QUOTAS


def _user_id(rule, tenant_id):
    helpers.authorize(QUOTAS % rule, {'project_id': tenant_id})
    params = validation.validate_query(schemas.query_schema(helpers.version()),
                                       flask.request.args)
    return (params.get('user_id') or [None])[0]


def _shown(values, version):
    return {name: values[name] for name in quota.resources(version)}


def show(tenant_id):
    user_id = _user_id('show', tenant_id)
    services = helpers.services()
    with services.db.transaction() as session:
        values = quota.limits(session, services.conf, tenant_id, user_id)
    return flask.jsonify({'quota_set': dict(_shown(values, helpers.version()), id=tenant_id)})


def defaults(tenant_id):
    helpers.authorize(QUOTAS % 'defaults', {'project_id': tenant_id})
    values = quota.defaults(helpers.services().conf)
    return flask.jsonify({'quota_set': dict(_shown(values, helpers.version()), id=tenant_id)})


def detail(tenant_id):
    user_id = _user_id('detail', tenant_id)
    services = helpers.services()
    with services.db.transaction() as session:
        values = quota.limits(session, services.conf, tenant_id, user_id)
        used = quota.usage(session, tenant_id, user_id)
    body = {name: {'limit': values[name], 'in_use': used[name], 'reserved': 0}
            for name in quota.resources(helpers.version())}
    return flask.jsonify({'quota_set': dict(body, id=tenant_id)})


def _check_limit(name, limit, used, maximum):
    if limit != -1 and limit < used:
        raise exception.ValidationError(
            detail=f'Quota limit {limit} for {name} must be greater than or equal to '
                   f'already used and reserved {used}.')
    if maximum != -1 and (limit == -1 or limit > maximum):
        raise exception.ValidationError(
            detail=f'Quota limit {limit} for {name} must be less than or equal to '
                   f'{maximum}.')


def update(tenant_id):
    user_id = _user_id('update', tenant_id)
    version = helpers.version()
    body = validation.validate(schemas.update_schema(version), helpers.json_body())
    wanted = dict(body['quota_set'])
    force = strutils.bool_from_string(wanted.pop('force', False))
    services = helpers.services()
    with services.db.transaction() as session:
        used = quota.usage(session, tenant_id, user_id)
        project = quota.limits(session, services.conf, tenant_id)
        for name, value in wanted.items():
            limit = int(value)
            if not force:
                _check_limit(name, limit, used.get(name, 0),
                             project[name] if user_id else -1)
            db_quotas.set_limit(session, tenant_id, user_id, name, limit)
        values = quota.limits(session, services.conf, tenant_id, user_id)
    return flask.jsonify({'quota_set': _shown(values, version)})


def delete(tenant_id):
    user_id = _user_id('delete', tenant_id)
    with helpers.services().db.transaction() as session:
        db_quotas.destroy_all(session, tenant_id, user_id)
    return flask.Response(status=202)
