"""/servers/{id}/metadata[/{key}]: read, merge, replace, set and delete a server's metadata.

Nova's recipe: the server exists for the caller (404) → policy (403) → the body's schema
(400) → the metadata_items quota (403) → the compute API, which refuses a locked server or
one not ACTIVE, PAUSED, SUSPENDED or STOPPED with no task (409). Reads answer 200, every
write 200 with the result but DELETE (204).
"""

import flask

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.policies import server_metadata as metadata_policies
from cepheid.api.schemas import server_metadata as schemas
from cepheid.common import exception

METADATA = metadata_policies.METADATA


def _instance(server_id, rule):
    instance = helpers.load_instance(server_id)
    helpers.authorize(METADATA % rule, helpers.instance_target(instance))
    return instance


def _meta(instance):
    return dict(instance.get('meta') or {})


def _change(instance, change, method):
    services = helpers.services()
    with services.db.transaction() as session:
        quota.check_metadata(session, services.conf, instance['project_id'],
                             change(_meta(instance)))
    instance = helpers.services().compute_api.update_instance_metadata(
        helpers.context(), instance, change, method=method)
    return _meta(instance)


def index(server_id):
    return flask.jsonify({'metadata': _meta(_instance(server_id, 'index'))})


def show(server_id, key):
    meta = _meta(_instance(server_id, 'show'))
    if key not in meta:
        raise exception.MetadataItemNotFound()
    return flask.jsonify({'meta': {key: meta[key]}})


def create(server_id):
    """POST: merge the given items into the metadata; answers all of it."""
    instance = _instance(server_id, 'create')
    items = validation.validate(schemas.metadata_body, helpers.json_body())['metadata']
    merged = _change(instance, lambda meta: {**meta, **items}, 'update metadata')
    return flask.jsonify({'metadata': merged})


def update_all(server_id):
    """PUT: the given items become the whole metadata."""
    instance = _instance(server_id, 'update_all')
    items = validation.validate(schemas.metadata_body, helpers.json_body())['metadata']
    _change(instance, lambda meta: dict(items), 'update metadata')
    return flask.jsonify({'metadata': items})


def update(server_id, key):
    """PUT one item: the body's single key must be the one in the URL."""
    instance = _instance(server_id, 'update')
    item = validation.validate(schemas.item_body, helpers.json_body())['meta']
    if key not in item:
        raise exception.ValidationError(detail='Request body and URI mismatch')
    _change(instance, lambda meta: {**meta, **item}, 'update metadata')
    return flask.jsonify({'meta': item})


def delete(server_id, key):
    instance = _instance(server_id, 'delete')
    if key not in _meta(instance):
        raise exception.MetadataItemNotFound()
    _change(instance, lambda meta: {k: v for k, v in meta.items() if k != key},
            'delete metadata')
    return flask.Response(status=204)
