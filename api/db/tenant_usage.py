"""Instances that ran in a time window (deleted ones too): Nova's get_active_by_window_joined,
read by os-simple-tenant-usage and the instance usage audit."""

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception


def active_by_window(session, *, begin, end, project_id=None, host=None, limit=None,
                     marker=None):
    """Instances not terminated before ``begin`` and launched before ``end`` (naive UTC),
    deleted or not, ordered by (project_id, uuid); ``marker``: the uuid to start after
    (MarkerNotFound when no instance, even deleted, has it)."""
    model = models.Instance
    stmt = sa.select(model).where(
        sa.or_(model.terminated_at.is_(None), model.terminated_at > begin),
        model.launched_at < end)
    if project_id is not None:
        stmt = stmt.where(model.project_id == project_id)
    if host is not None:
        stmt = stmt.where(model.host == host)
    if marker is not None:
        after = session.scalars(sa.select(model).where(model.uuid == marker)
                                .order_by(model.id.desc()).limit(1)).first()
        if after is None:
            raise exception.MarkerNotFound(marker=marker)
        stmt = stmt.where(sa.or_(
            model.project_id > after.project_id,
            sa.and_(model.project_id == after.project_id, model.uuid > after.uuid)))
    stmt = stmt.order_by(model.project_id, model.uuid)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [db_session.row_to_dict(row) for row in session.scalars(stmt)]
