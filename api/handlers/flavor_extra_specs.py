"""os-extra_specs of a flavor: list, create/update many, show/update/delete one key."""

import flask

from cepheid.api import extra_spec_validators
from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import flavors as db_flavors
from cepheid.api.policies import flavor_extra_specs as policies
from cepheid.api.schemas import flavor_extra_specs as schemas
from cepheid.common import exception

SPECS = policies.SPECS
MAX_VALUE_LENGTH = 255


def _flavor(flavor_id):
    with helpers.services().db.transaction() as session:
        return db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())


def _stored(specs):
    """Values as Nova stores them: strings; a number's text is at most 255 characters.
    From 2.86 the values of well-known keys are validated."""
    stored = {}
    validate = helpers.version() >= '2.86'
    for key, value in specs.items():
        text = value if isinstance(value, str) else str(value)
        if len(text) > MAX_VALUE_LENGTH:
            raise exception.ValidationError(
                detail=f'extra_specs value has more than {MAX_VALUE_LENGTH} characters.')
        if validate:
            extra_spec_validators.validate(key, text)
        stored[key] = text
    return stored


def _save(flavor_id, specs):
    with helpers.services().db.transaction() as session:
        db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())
        flavor = db_flavors.set_extra_specs(session, flavor_id, specs)
    helpers.notify_flavor(flavor, 'update')



def index(flavor_id):
    helpers.authorize(SPECS % 'index')
    return flask.jsonify({'extra_specs': _flavor(flavor_id)['extra_specs']})


def create(flavor_id):
    body = helpers.json_body()
    helpers.authorize(SPECS % 'create', {})
    specs = validation.validate(schemas.create, body)['extra_specs']
    _save(flavor_id, _stored(specs))
    return flask.jsonify(body)


def update(flavor_id, key):
    body = helpers.json_body()
    helpers.authorize(SPECS % 'update', {})
    validation.validate(schemas.update, body)
    stored = _stored(body)
    if key not in body:
        raise exception.ValidationError(detail='Request body and URI mismatch')
    _save(flavor_id, stored)
    return flask.jsonify(body)


def show(flavor_id, key):
    helpers.authorize(SPECS % 'show')
    specs = _flavor(flavor_id)['extra_specs']
    if key not in specs:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id, extra_specs_key=key)
    return flask.jsonify({key: specs[key]})


def delete(flavor_id, key):
    helpers.authorize(SPECS % 'delete', {})
    with helpers.services().db.transaction() as session:
        db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())
        flavor = db_flavors.delete_extra_spec(session, flavor_id, key)
    helpers.notify_flavor(flavor, 'update')
    return flask.Response(status=200)
