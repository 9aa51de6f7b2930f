"""/os-aggregates: host aggregates, their hosts and metadata, as Nova's API answers.

An aggregate's ``availability_zone`` metadata is the zone of its hosts (GET
/os-availability-zone, os-services and os-hosts show it); Nova's rules keep a host in one
zone: a host may not join an aggregate whose zone differs from one it already has, and an
aggregate's zone may not change while its hosts run instances.
"""

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import instances as db_instances
from cepheid.api.handlers import hosts
from cepheid.api.policies import aggregates as policies
from cepheid.api.schemas import aggregates as schemas
from cepheid.api.views import formats
from cepheid.common import exception

AZ = db_aggregates.AZ_KEY


def _view(aggregate, *, create=False):
    view = {
        'availability_zone': aggregate['metadata'].get(AZ),
        'created_at': formats.perfect_time(aggregate['created_at']),
        'deleted': False, 'deleted_at': None,
        'id': aggregate['id'], 'name': aggregate['name'],
        'updated_at': formats.perfect_time(aggregate['updated_at']),
    }
    if not create:
        view.update(hosts=aggregate['hosts'], metadata=aggregate['metadata'])
    if helpers.version() >= '2.41':
        view['uuid'] = aggregate['uuid']
    return view


def _reply(aggregate, **kwargs):
    return flask.jsonify({'aggregate': _view(aggregate, **kwargs)})


def _int_id(aggregate_id):
    try:
        return int(aggregate_id)
    except ValueError as exc:
        raise exception.ValidationError(
            detail='Invalid input received: id must be an integer') from exc


def _session():
    return helpers.services().db.transaction()


def index():
    helpers.authorize(policies.AGGREGATES % 'index', {})
    with _session() as session:
        aggregates = db_aggregates.get_all(session)
    return flask.jsonify({'aggregates': [_view(a) for a in aggregates]})


def create():
    helpers.authorize(policies.AGGREGATES % 'create', {})
    body = validation.validate(schemas.create, helpers.json_body())['aggregate']
    zone = body.get('availability_zone')
    with _session() as session:
        aggregate = db_aggregates.create(session, body['name'], {AZ: zone} if zone else {})
    return _reply(aggregate, create=True)


def show(aggregate_id):
    helpers.authorize(policies.AGGREGATES % 'show', {})
    with _session() as session:
        aggregate = db_aggregates.get(session, _int_id(aggregate_id))
    return _reply(aggregate)


def update(aggregate_id):
    helpers.authorize(policies.AGGREGATES % 'update', {})
    body = validation.validate(schemas.update, helpers.json_body())['aggregate']
    aggregate_id = _int_id(aggregate_id)
    with _session() as session:
        if 'name' in body:
            db_aggregates.rename(session, aggregate_id, body['name'])
        aggregate = db_aggregates.get(session, aggregate_id)
        if AZ in body:
            meta = {AZ: body[AZ]}
            _check_zone(session, aggregate, meta, 'update_aggregate', check_instances=True)
            aggregate = db_aggregates.set_metadata(session, aggregate_id, meta)
    return _reply(aggregate)


def delete(aggregate_id):
    helpers.authorize(policies.AGGREGATES % 'delete', {})
    with _session() as session:
        db_aggregates.delete(session, _int_id(aggregate_id))
    return flask.Response(status=200)


def _check_zone(session, aggregate, metadata, action, *, hosts=None, check_instances=False):
    """Nova's is_safe_to_update_az: InvalidAggregateAction when ``metadata`` would put a
    host in two zones, names an empty zone, or moves hosts that run instances."""
    if AZ not in metadata:
        return
    zone = metadata[AZ]

    def refuse(reason):
        raise exception.InvalidAggregateAction(action=action, aggregate_id=aggregate['id'],
                                               reason=reason)
    if not zone:
        refuse(f"Aggregate {aggregate['name']} does not support empty named "
               'availability zone')
    hosts = aggregate['hosts'] if hosts is None else hosts
    others = [a for a in db_aggregates.get_all(session)
              if a['id'] != aggregate['id'] and set(a['hosts']) & set(hosts)]
    conflicting = [a['metadata'][AZ] for a in others if a['metadata'].get(AZ, zone) != zone]
    if conflicting:
        refuse(f'One or more hosts already in availability zone(s) {conflicting}')
    if check_instances and aggregate['metadata'].get(AZ) != zone and any(
            db_instances.get_all(session, host=h) for h in hosts):
        refuse('One or more hosts contain instances in this zone')


def _add_host(session, aggregate_id, body):
    host = body['host']
    aggregate = db_aggregates.get(session, aggregate_id)
    hosts.check_compute_host(session, host)
    try:
        _check_zone(session, aggregate, aggregate['metadata'], 'add_host_to_aggregate',
                    hosts=[host])
    except exception.InvalidAggregateAction as exc:
        raise exception.Conflict(exc.format_message()) from exc
    return db_aggregates.add_host(session, aggregate_id, host)


def _remove_host(session, aggregate_id, body):
    host = body['host']
    db_aggregates.get(session, aggregate_id)
    hosts.check_compute_host(session, host)
    return db_aggregates.remove_host(session, aggregate_id, host)


def _set_metadata(session, aggregate_id, body):
    aggregate = db_aggregates.get(session, aggregate_id)
    metadata = body['metadata']
    _check_zone(session, aggregate, metadata, 'update_aggregate_metadata',
                check_instances=True)
    return db_aggregates.set_metadata(session, aggregate_id, metadata)


ACTIONS = {
    'add_host': (schemas.add_host, _add_host),
    'remove_host': (schemas.remove_host, _remove_host),
    'set_metadata': (schemas.set_metadata, _set_metadata),
}


def action(aggregate_id):
    body = helpers.json_body()
    if not isinstance(body, dict) or len(body) != 1:
        raise exception.MalformedRequestBody()
    name = next(iter(body))
    if name not in ACTIONS:
        raise exception.ValidationError(detail=f'There is no such action: {name}')
    schema, run = ACTIONS[name]
    helpers.authorize(policies.AGGREGATES % name, {})
    body = validation.validate(schema, body)[name]
    with _session() as session:
        aggregate = run(session, _int_id(aggregate_id), body)
    return _reply(aggregate)
