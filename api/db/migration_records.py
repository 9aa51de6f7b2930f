"""The migrations table (an instance's moves): create, CAS on status, Nova's filters."""

import uuid as uuidlib

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

# Nova's migration statuses.
PRE_MIGRATING = 'pre-migrating'
MIGRATING = 'migrating'
POST_MIGRATING = 'post-migrating'
FINISHED = 'finished'
CONFIRMING = 'confirming'
CONFIRMED = 'confirmed'
REVERTING = 'reverting'
REVERTED = 'reverted'
ERROR = 'error'
FAILED = 'failed'
# A resize or cold migration not yet confirmed or reverted (its claims on both hosts held).
IN_PROGRESS = (PRE_MIGRATING, MIGRATING, POST_MIGRATING, FINISHED, CONFIRMING, REVERTING)
# Nova's in-progress live migration statuses (GET /servers/{id}/migrations).
LIVE_IN_PROGRESS = ('queued', 'preparing', 'running', 'post-migrating')
# A live migration not ended yet (accepted: its cast not yet run by the source).
LIVE_ACTIVE = ('accepted', *LIVE_IN_PROGRESS)

_MODEL = models.Migration


def create(session, values):
    values = dict(values)
    values.setdefault('uuid', str(uuidlib.uuid4()))
    row = _MODEL(**values)
    session.add(row)
    session.flush()
    return db_session.row_to_dict(row)


def get(session, migration_id):
    row = session.get(_MODEL, migration_id)
    if row is None or row.deleted:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return db_session.row_to_dict(row)


def get_by_instance(session, instance_uuid, *, statuses=IN_PROGRESS, migration_type=None):
    """The newest migration of ``instance_uuid`` in one of ``statuses``, or None."""
    stmt = (sa.select(_MODEL).where(_MODEL.deleted == 0,
                                    _MODEL.instance_uuid == instance_uuid,
                                    _MODEL.status.in_(statuses))
            .order_by(_MODEL.id.desc()).limit(1))
    if migration_type is not None:
        stmt = stmt.where(_MODEL.migration_type == migration_type)
    row = session.scalars(stmt).first()
    return db_session.row_to_dict(row) if row is not None else None


def update(session, migration_id, values, *, expected_status=None):
    """Save ``values``; with ``expected_status`` (a tuple) only from one of those statuses
    (a compare-and-swap: a miss raises MigrationStatusConflict). Returns the row."""
    stmt = sa.update(_MODEL).where(_MODEL.id == migration_id, _MODEL.deleted == 0)
    if expected_status is not None:
        stmt = stmt.where(_MODEL.status.in_(expected_status))
    stmt = stmt.values(**values, updated_at=models.utcnow()).execution_options(
        synchronize_session=False)
    if session.execute(stmt).rowcount != 1:
        current = get(session, migration_id)
        raise exception.MigrationStatusConflict(migration_id=migration_id,
                                                expected=expected_status,
                                                actual=current['status'])
    return get(session, migration_id)


def _filtered(stmt, filters):
    """Nova's migration_get_all_by_filters."""
    if filters.get('status') is not None:
        status = filters['status']
        stmt = stmt.where(_MODEL.status.in_([status] if isinstance(status, str) else status))
    if filters.get('host') is not None:
        stmt = stmt.where(sa.or_(_MODEL.source_compute == filters['host'],
                                 _MODEL.dest_compute == filters['host']))
    elif filters.get('source_compute') is not None:
        stmt = stmt.where(_MODEL.source_compute == filters['source_compute'])
    for key in ('migration_type', 'instance_uuid', 'user_id', 'project_id', 'hidden'):
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(_MODEL, key) == filters[key])
    if filters.get('changes_since') is not None:
        stmt = stmt.where(_MODEL.updated_at >= filters['changes_since'])
    if filters.get('changes_before') is not None:
        stmt = stmt.where(_MODEL.updated_at <= filters['changes_before'])
    return stmt


def get_all(session, filters, *, newest_first=False, limit=None, marker=None):
    """Migrations matching ``filters``: by id, or (2.59's paging) newest first after the
    migration whose uuid is ``marker`` (MarkerNotFound when there is none)."""
    stmt = _filtered(sa.select(_MODEL).where(_MODEL.deleted == 0), filters)
    if newest_first:
        if marker is not None:
            mrow = session.scalars(sa.select(_MODEL).where(_MODEL.uuid == marker)).first()
            if mrow is None:
                raise exception.MarkerNotFound(marker=marker)
            stmt = stmt.where(db_session.older_than(_MODEL, mrow))
        stmt = stmt.order_by(_MODEL.created_at.desc(), _MODEL.id.desc())
    else:
        stmt = stmt.order_by(_MODEL.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def newest_on_host(session, instance_uuid, host):
    """The newest move of ``instance_uuid`` from or to ``host`` (any type, any status), or
    None."""
    stmt = (sa.select(_MODEL).where(_MODEL.deleted == 0,
                                    _MODEL.instance_uuid == instance_uuid,
                                    sa.or_(_MODEL.source_compute == host,
                                           _MODEL.dest_compute == host))
            .order_by(_MODEL.id.desc()).limit(1))
    row = session.scalars(stmt).first()
    return db_session.row_to_dict(row) if row is not None else None


def in_progress_on_host(session, host):
    """Resizes, cold and live migrations in progress from or to ``host``."""
    stmt = sa.select(_MODEL).where(
        _MODEL.deleted == 0,
        sa.or_(sa.and_(_MODEL.status.in_(IN_PROGRESS),
                       _MODEL.migration_type.in_(('resize', 'migration'))),
               sa.and_(_MODEL.status.in_(LIVE_ACTIVE),
                       _MODEL.migration_type == 'live-migration')),
        sa.or_(_MODEL.source_compute == host, _MODEL.dest_compute == host))
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def confirming_before(session, cutoff):
    """Moves whose confirm was asked for before ``cutoff`` and has not run."""
    stmt = sa.select(_MODEL).where(
        _MODEL.deleted == 0, _MODEL.status == CONFIRMING, _MODEL.updated_at < cutoff)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def finished_before(session, cutoff):
    """Resizes and cold migrations waiting for a confirm since before ``cutoff``."""
    stmt = sa.select(_MODEL).where(
        _MODEL.deleted == 0, _MODEL.status == FINISHED,
        _MODEL.migration_type.in_(('resize', 'migration')), _MODEL.updated_at < cutoff)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]
