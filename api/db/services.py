"""Services (heartbeats, up/down) and flavors."""

import datetime

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

CLASSIC_FLAVORS = [
    ('1', 'm1.tiny', 1, 512, 1),
    ('2', 'm1.small', 1, 2048, 20),
    ('3', 'm1.medium', 2, 4096, 40),
    ('4', 'm1.large', 4, 8192, 80),
    ('5', 'm1.xlarge', 8, 16384, 160),
]


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


def flavor_get(session, flavorid):
    row = session.scalars(
        sa.select(models.Flavor).where(models.Flavor.flavorid == str(flavorid))).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return db_session.row_to_dict(row)


def flavor_list(session):
    stmt = sa.select(models.Flavor).where(models.Flavor.disabled.is_(False))
    return [db_session.row_to_dict(r) for r in session.scalars(stmt.order_by(models.Flavor.id))]


def seed_flavors(session):
    """Insert Nova's classic m1.* flavors that are missing."""
    existing = set(session.scalars(sa.select(models.Flavor.flavorid)))
    for flavorid, name, vcpus, ram, disk in CLASSIC_FLAVORS:
        if flavorid not in existing:
            session.add(models.Flavor(flavorid=flavorid, name=name, vcpus=vcpus,
                                      memory_mb=ram, root_gb=disk))
