"""Quota limits set for a project (user_id '') or for one user of a project, and the
counts the limits are checked against."""

import sqlalchemy as sa

from cepheid.api.db import models

_MODEL = models.Quota
_INSTANCE = models.Instance


def get_limits(session, project_id, user_id=''):
    """{resource: hard limit} set for the project (``user_id`` '') or that user."""
    stmt = sa.select(_MODEL.resource, _MODEL.hard_limit).where(
        _MODEL.project_id == project_id, _MODEL.user_id == (user_id or ''))
    return dict(session.execute(stmt).all())


def set_limit(session, project_id, user_id, resource, hard_limit):
    row = session.scalars(sa.select(_MODEL).where(
        _MODEL.project_id == project_id, _MODEL.user_id == (user_id or ''),
        _MODEL.resource == resource)).first()
    if row is None:
        session.add(_MODEL(project_id=project_id, user_id=user_id or '', resource=resource,
                           hard_limit=hard_limit))
    else:
        row.hard_limit = hard_limit
    session.flush()


def destroy_all(session, project_id, user_id=None):
    """Forget the limits of a user, or of a project and all its users (``user_id`` None)."""
    stmt = sa.delete(_MODEL).where(_MODEL.project_id == project_id)
    if user_id is not None:
        stmt = stmt.where(_MODEL.user_id == user_id)
    session.execute(stmt)


def instance_usage(session, project_id, user_id=None):
    """{instances, cores, ram} of the live instances of a project (or one user in it)."""
    stmt = sa.select(
        sa.func.count(_INSTANCE.id), sa.func.coalesce(sa.func.sum(_INSTANCE.vcpus), 0),
        sa.func.coalesce(sa.func.sum(_INSTANCE.memory_mb), 0),
    ).where(_INSTANCE.deleted == 0, _INSTANCE.project_id == project_id)
    if user_id:
        stmt = stmt.where(_INSTANCE.user_id == user_id)
    row = session.execute(stmt).one()
    return {'instances': int(row[0]), 'cores': int(row[1]), 'ram': int(row[2])}


def key_pair_count(session, user_id):
    return session.scalar(sa.select(sa.func.count(models.KeyPair.id)).where(
        models.KeyPair.user_id == user_id))
