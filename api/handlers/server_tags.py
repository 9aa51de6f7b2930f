"""/servers/{id}/tags[/{tag}] (2.26+): list, replace, delete all; check, add, delete one.

Nova's recipe: below 2.26 the resource does not exist (404); the server exists for the
caller (404) → policy (403) → writes only while the server is ACTIVE, PAUSED, SUSPENDED or
STOPPED (409; Nova checks vm_state only, neither the lock nor task_state) → the body or
the tag (400) → at most 50 tags (400). The state check and the write share a transaction.
"""

import urllib.parse

import flask
import jsonschema

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import instances as db_instances
from cepheid.api.db import tags as db_tags
from cepheid.api.policies import server_tags as tag_policies
from cepheid.api.schemas import parameter_types
from cepheid.api.schemas import server_tags as schemas
from cepheid.common import exception
from cepheid.common import states

TAGS = tag_policies.TAGS
MIN_VERSION = '2.26'
# Nova's server_tags._check_instance_in_valid_state.
WRITABLE_VM_STATES = (states.ACTIVE, states.PAUSED, states.SUSPENDED, states.STOPPED)


def _instance(server_id, rule):
    if helpers.version() < MIN_VERSION:
        raise exception.NotFound('The resource could not be found.')
    instance = helpers.load_instance(server_id)
    helpers.authorize(TAGS % rule, helpers.instance_target(instance))
    return instance


def _writable(session, instance, method):
    """Re-read the instance in the write's transaction; 409 unless in a writable vm_state."""
    current = db_instances.get(session, instance['uuid'])
    if current['vm_state'] not in WRITABLE_VM_STATES:
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=current['uuid'], attr='vm_state',
            state=current['vm_state'])
    return current


def _check_tag(tag):
    try:
        jsonschema.validate(tag, schemas.tag)
    except jsonschema.ValidationError as exc:
        raise exception.ValidationError(
            detail=f"Tag '{tag}' is invalid. It must be a non empty string without "
                   f"characters '/' and ','. Validation error message: {exc.message}"
        ) from None


def index(server_id):
    instance = _instance(server_id, 'index')
    with helpers.services().db.transaction() as session:
        return flask.jsonify({'tags': db_tags.get(session, instance['uuid'])})


def show(server_id, tag):
    """204 when the server has ``tag``, else 404."""
    instance = _instance(server_id, 'show')
    with helpers.services().db.transaction() as session:
        found = db_tags.exists(session, instance['uuid'], tag)
    if not found:
        raise exception.ServerTagNotFound(server_id=server_id, tag=tag)
    return flask.Response(status=204)


def update_all(server_id):
    """PUT: the given tags become the whole set (duplicates dropped)."""
    instance = _instance(server_id, 'update_all')
    tags = validation.validate(schemas.update_all, helpers.json_body())['tags']
    with helpers.services().db.transaction() as session:
        _writable(session, instance, 'update tags')
        tags = db_tags.replace(session, instance['uuid'], tags)
    return flask.jsonify({'tags': tags})


def update(server_id, tag):
    """PUT one tag: 201 with its Location when added, 204 when the server had it."""
    instance = _instance(server_id, 'update')
    validation.validate(schemas.update, helpers.json_body())
    with helpers.services().db.transaction() as session:
        _writable(session, instance, 'update tag')
        _check_tag(tag)
        # As Nova: the limit is checked before whether the tag is there already.
        if len(db_tags.get(session, instance['uuid'])) >= parameter_types.MAX_TAG_COUNT:
            raise exception.ValidationError(
                detail='The number of tags exceeded the per-server limit '
                       f'{parameter_types.MAX_TAG_COUNT}')
        added = db_tags.add(session, instance['uuid'], tag)
    if not added:
        return flask.Response(status=204)
    response = flask.Response(status=201)
    response.headers['Location'] = (f"{helpers.base_url()}v2.1/servers/{instance['uuid']}"
                                    f"/tags/{urllib.parse.quote(tag, safe='')}")
    return response


def delete(server_id, tag):
    instance = _instance(server_id, 'delete')
    with helpers.services().db.transaction() as session:
        _writable(session, instance, 'delete tag')
        if not db_tags.delete(session, instance['uuid'], tag):
            raise exception.InstanceTagNotFound(instance_id=instance['uuid'], tag=tag)
    return flask.Response(status=204)


def delete_all(server_id):
    instance = _instance(server_id, 'delete_all')
    with helpers.services().db.transaction() as session:
        _writable(session, instance, 'delete tags')
        db_tags.delete_all(session, instance['uuid'])
    return flask.Response(status=204)
