"""Services (heartbeats, up/down); the flavor names other modules use live in flavors.py."""

import datetime

import sqlalchemy as sa

from cepheid.api.db import flavors as db_flavors
from cepheid.api.db import models
from cepheid.api.db import session as db_session

CLASSIC_FLAVORS = db_flavors.CLASSIC_FLAVORS

_SERVICES = models.Service.__table__
# One heartbeat flush: every service heard from, in one executemany.
_BEATS = (sa.update(_SERVICES)
          .where(_SERVICES.c.host == sa.bindparam('b_host'),
                 _SERVICES.c.binary == sa.bindparam('b_binary'))
          .values(report_count=_SERVICES.c.report_count + sa.bindparam('b_beats'),
                  last_seen_up=sa.bindparam('b_now'), updated_at=sa.bindparam('b_now')))


def heartbeat(session, *, host, binary, topic):
    """Create or refresh the service row of ``host``/``binary``."""
    model = models.Service
    row = session.scalars(
        sa.select(model).where(model.host == host, model.binary == binary)).first()
    now = models.utcnow()
    if row is None:
        row = models.Service(host=host, binary=binary, topic=topic)
        session.add(row)
    row.report_count = (row.report_count or 0) + 1
    row.last_seen_up = now
    session.flush()
    return db_session.row_to_dict(row)


def beats(session, pending):
    """Mark the services of ``pending`` ({(host, binary): {'topic', 'beats'}}) seen now:
    one prebuilt executemany UPDATE; a SELECT and an INSERT only for services it did not
    find (new, or their row deleted)."""
    if not pending:
        return
    now = models.utcnow()
    conn = session.connection()
    params = [{'b_host': host, 'b_binary': binary, 'b_beats': entry['beats'], 'b_now': now}
              for (host, binary), entry in pending.items()]
    updated = conn.execute(_BEATS, params).rowcount
    if updated == len(params) and conn.dialect.supports_sane_multi_rowcount:
        return
    hosts = sorted({host for host, _ in pending})
    found = {(row.host, row.binary) for row in conn.execute(
        sa.select(_SERVICES.c.host, _SERVICES.c.binary).where(_SERVICES.c.host.in_(hosts)))}
    for (host, binary), entry in pending.items():
        if (host, binary) not in found:
            heartbeat(session, host=host, binary=binary, topic=entry['topic'])


def service_list(session, *, binary=None, host=None):
    model = models.Service
    stmt = sa.select(model).order_by(model.id)
    if binary is not None:
        stmt = stmt.where(model.binary == binary)
    if host is not None:
        stmt = stmt.where(model.host == host)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def is_up(service, down_time):
    """A service is up when it reported within ``down_time`` seconds and is not forced down."""
    if service['forced_down'] or service['last_seen_up'] is None:
        return False
    age = models.utcnow() - service['last_seen_up']
    return age <= datetime.timedelta(seconds=down_time)


def flavor_get(session, flavorid, *, project_id=db_flavors.ALL):
    return db_flavors.get(session, flavorid, project_id=project_id)


def flavor_list(session):
    return db_flavors.get_all(session, include_disabled=False)


def seed_flavors(session):
    db_flavors.seed(session)


def service_update(session, service_id, values):
    """Save ``values`` (disabled, disabled_reason, forced_down) on service ``service_id``."""
    row = session.get(models.Service, service_id)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return db_session.row_to_dict(row)


def service_delete(session, service_id):
    """Delete the service row and, for a compute, its host's compute node."""
    row = session.get(models.Service, service_id)
    node = models.ComputeNode
    session.execute(sa.update(node).where(node.host == row.host, node.deleted == 0)
                    .values(deleted=node.id))
    session.delete(row)
