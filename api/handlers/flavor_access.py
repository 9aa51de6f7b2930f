"""os-flavor-access: who may use a non-public flavor; addTenantAccess/removeTenantAccess."""

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import flavors as db_flavors
from cepheid.api.policies import flavor_access as policies
from cepheid.api.schemas import flavor_access as schemas
from cepheid.api.views import flavors as views
from cepheid.common import exception

ACTIONS = {
    'addTenantAccess': (policies.ACCESS_ACTION % 'add_tenant_access',
                        schemas.add_tenant_access, db_flavors.add_project),
    'removeTenantAccess': (policies.ACCESS_ACTION % 'remove_tenant_access',
                           schemas.remove_tenant_access, db_flavors.remove_project),
}


def index(flavor_id):
    helpers.authorize(policies.ACCESS)
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())
    if flavor['is_public']:
        raise exception.NotFound('Access list not available for public flavors.')
    return flask.jsonify(views.access(flavor))


def _action_name(body):
    if not isinstance(body, dict) or len(body) != 1:
        raise exception.MalformedRequestBody()
    name = next(iter(body))
    if name not in ACTIONS:
        raise exception.ValidationError(detail=f'There is no such action: {name}')
    return name


def action(flavor_id):
    body = helpers.json_body()
    name = _action_name(body)
    policy, schema, change = ACTIONS[name]
    helpers.authorize(policy, {})
    tenant = validation.validate(schema, body)[name]['tenant']
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())
        if name == 'addTenantAccess' and flavor['is_public'] and helpers.version() >= '2.7':
            raise exception.Conflict('Can not add access to a public flavor.')
        flavor = change(session, flavor_id, tenant)
    helpers.notify_flavor(flavor, 'update')
    return flask.jsonify(views.access(flavor))
