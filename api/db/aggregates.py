"""Host aggregates in the database: rows, hosts, metadata and the zone of each host."""

import sqlalchemy as sa
from oslo_utils import uuidutils

from cepheid.api.db import models
from cepheid.common import exception

AZ_KEY = 'availability_zone'


def _row(session, aggregate_id):
    row = session.get(models.Aggregate, aggregate_id)
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _children(session, model, ids):
    return session.scalars(sa.select(model).where(model.aggregate_id.in_(ids))
                           .order_by(model.id)).all() if ids else []


def _dicts(session, rows):
    """The aggregates as dicts with ``hosts`` (list) and ``metadata`` (dict)."""
    ids = [r.id for r in rows]
    hosts = _children(session, models.AggregateHost, ids)
    metas = _children(session, models.AggregateMetadata, ids)
    result = []
    for row in rows:
        result.append({
            'id': row.id, 'uuid': row.uuid, 'name': row.name,
            'created_at': row.created_at, 'updated_at': row.updated_at,
            'hosts': [h.host for h in hosts if h.aggregate_id == row.id],
            'metadata': {m.key: m.value for m in metas if m.aggregate_id == row.id},
        })
    return result


def get_all(session):
    return _dicts(session, session.scalars(
        sa.select(models.Aggregate).order_by(models.Aggregate.id)).all())


def get(session, aggregate_id):
    return _dicts(session, [_row(session, aggregate_id)])[0]


def _check_name(session, name, aggregate_id=None):
    model = models.Aggregate
    other = session.scalars(sa.select(model).where(model.name == name)).first()
    if other is not None and other.id != aggregate_id:
        raise exception.AggregateNameExists(aggregate_name=name)


def create(session, name, metadata):
    _check_name(session, name)
    row = models.Aggregate(name=name, uuid=uuidutils.generate_uuid())
    session.add(row)
    session.flush()
    _set_metadata(session, row, metadata)
    return get(session, row.id)


def rename(session, aggregate_id, name):
    row = _row(session, aggregate_id)
    _check_name(session, name, aggregate_id)
    row.name = name
    row.updated_at = models.utcnow()
    session.flush()


def delete(session, aggregate_id):
    aggregate = get(session, aggregate_id)
    if aggregate['hosts']:
        raise exception.InvalidAggregateAction(
            action='delete', aggregate_id=aggregate_id, reason='Host aggregate is not empty')
    for model in (models.AggregateMetadata, models.AggregateHost):
        session.execute(sa.delete(model).where(model.aggregate_id == aggregate_id))
    session.delete(_row(session, aggregate_id))


def _set_metadata(session, row, metadata):
    """Merge ``metadata`` into the aggregate's: a None value deletes its key."""
    model = models.AggregateMetadata
    current = {m.key: m for m in _children(session, model, [row.id])}
    for key, value in metadata.items():
        item = current.get(key)
        if value is None:
            if item is not None:
                session.delete(item)
        elif item is None:
            session.add(model(aggregate_id=row.id, key=key, value=value))
        else:
            item.value = value
    row.updated_at = models.utcnow()
    session.flush()


def set_metadata(session, aggregate_id, metadata):
    _set_metadata(session, _row(session, aggregate_id), metadata)
    return get(session, aggregate_id)


def add_host(session, aggregate_id, host):
    aggregate = get(session, aggregate_id)
    if host in aggregate['hosts']:
        raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host)
    session.add(models.AggregateHost(aggregate_id=aggregate_id, host=host))
    session.flush()
    return get(session, aggregate_id)


def remove_host(session, aggregate_id, host):
    model = models.AggregateHost
    _row(session, aggregate_id)
    item = session.scalars(sa.select(model).where(
        model.aggregate_id == aggregate_id, model.host == host)).first()
    if item is None:
        raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
    session.delete(item)
    session.flush()
    return get(session, aggregate_id)


def host_zones(session, hosts=None):
    """{host: availability zone} of the hosts in an aggregate with an availability_zone.

    A host in several zoned aggregates (Nova keeps their zones equal) gets the
    sorted names joined by ``,``, as Nova's availability_zones.get_host_availability_zone.
    """
    host_model, meta_model = models.AggregateHost, models.AggregateMetadata
    stmt = (sa.select(host_model.host, meta_model.value)
            .join(meta_model, meta_model.aggregate_id == host_model.aggregate_id)
            .where(meta_model.key == AZ_KEY))
    if hosts is not None:
        stmt = stmt.where(host_model.host.in_(list(hosts)))
    zones = {}
    for host, zone in session.execute(stmt):
        zones.setdefault(host, set()).add(zone)
    return {host: ','.join(sorted(z)) for host, z in zones.items()}
