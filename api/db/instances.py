"""Instance queries; every task_state change is one compare-and-swap UPDATE."""

import sqlalchemy as sa

from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import evacuations as db_evacuations
from cepheid.api.db import instance_cas
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.api.db import prebuilt
from cepheid.api.db import session as db_session
from cepheid.api.db import tags as db_tags
from cepheid.common import exception
from cepheid.common import states

UNSET = instance_cas.UNSET
# session.info key: the instance rows this transaction created or changed (the dashboard
# sends them on after commit, see api/dashboard/feed.py).
CHANGED = 'cepheid.changed_instances'

# Reads and CAS updates use Core statements over these labelled columns (the ORM's
# identity map and flush are pure overhead on the hot path); rows come back as dicts
# keyed by attribute name (``meta`` for the ``metadata`` column).
_TABLE = instance_cas.TABLE
_COLUMNS = instance_cas.COLUMNS
_COLUMN_OF = instance_cas.COLUMN_OF


def _live():
    return models.Instance.deleted == 0


def create(session, values):
    row = models.Instance(**values)
    session.add(row)
    session.flush()
    created = db_session.row_to_dict(row)
    session.info.setdefault(CHANGED, []).append(created)
    return created


def get(session, uuid, *, project_id=None, read_deleted=False):
    """The live (or, with ``read_deleted``, newest even deleted) instance ``uuid`` of
    ``project_id`` when given; else InstanceNotFound."""
    stmt = _GET[read_deleted, project_id is not None]
    row = prebuilt.execute(session.connection(), stmt,
                           {'x_uuid': uuid, 'x_project_id': project_id}).mappings().first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return dict(row)


def _get_statement(read_deleted, by_project):
    stmt = sa.select(*_COLUMNS).where(_TABLE.c.uuid == sa.bindparam('x_uuid'))
    stmt = stmt.order_by(_TABLE.c.id.desc()) if read_deleted else stmt.where(_live())
    if by_project:
        stmt = stmt.where(_TABLE.c.project_id == sa.bindparam('x_project_id'))
    return stmt.limit(1)


# Prebuilt: (read_deleted, by project) → the SELECT of one instance.
_GET = {(deleted, by_project): _get_statement(deleted, by_project)
        for deleted in (False, True) for by_project in (False, True)}


def get_by_uuids(session, uuids):
    """{uuid: instance} of the live instances among ``uuids``, of any project."""
    stmt = sa.select(*_COLUMNS).where(_TABLE.c.uuid.in_(list(uuids)), _live())
    return {row['uuid']: dict(row) for row in session.execute(stmt).mappings()}


def get_all(session, *, project_id=None, host=None, name=None, vm_states=None,
            task_states=None, limit=None, marker=None, tag_filters=None, **filters):
    """Instances, newest first, filtered; ``marker`` is the last uuid of the page before.

    Live ones only, unless ``read_deleted``; ``exclude_soft_deleted`` drops soft-deleted
    ones; ``flavor_id``, ``image_ref``, ``reservation_id`` match exactly and
    ``changes_since`` / ``changes_before`` bound ``updated_at`` (Nova's server filters);
    ``tag_filters``: the keyword arguments of ``db.tags.filter_predicates``.
    """
    model = models.Instance
    stmt = sa.select(*_COLUMNS)
    if not filters.pop('read_deleted', False):
        stmt = stmt.where(_live())
    if filters.pop('exclude_soft_deleted', False):
        stmt = stmt.where(model.vm_state != states.SOFT_DELETED)
    if project_id is not None:
        stmt = stmt.where(model.project_id == project_id)
    if host is not None:
        stmt = stmt.where(model.host == host)
    if name is not None:
        stmt = stmt.where(model.display_name.regexp_match(name))
    if vm_states is not None:
        stmt = stmt.where(model.vm_state.in_(vm_states))
    if task_states is not None:
        stmt = stmt.where(model.task_state.in_(task_states))
    stmt = _exact_and_time_filters(stmt, filters)
    stmt = stmt.where(*db_tags.filter_predicates(model.uuid, **(tag_filters or {})))
    if marker is not None:
        mrow = session.scalars(sa.select(model).where(model.uuid == marker)).first()
        if mrow is None:
            raise exception.Invalid(reason=f'marker [{marker}] not found')
        stmt = stmt.where(db_session.older_than(model, mrow))
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r) for r in session.execute(stmt).mappings()]


_EXACT_FILTERS = ('flavor_id', 'image_ref', 'reservation_id')


def _exact_and_time_filters(stmt, filters):
    unknown = set(filters) - set(_EXACT_FILTERS) - {'changes_since', 'changes_before'}
    if unknown:
        raise TypeError(f'unknown instance filters: {sorted(unknown)}')
    model = models.Instance
    for key in _EXACT_FILTERS:
        if filters.get(key) is not None:
            stmt = stmt.where(getattr(model, key) == filters[key])
    changed = sa.func.coalesce(model.updated_at, model.created_at)
    if filters.get('changes_since') is not None:
        stmt = stmt.where(changed >= filters['changes_since'])
    if filters.get('changes_before') is not None:
        stmt = stmt.where(changed <= filters['changes_before'])
    return stmt


def task_state_predicate(expected):
    """SQL predicate for ``task_state IN expected``; None in ``expected`` becomes IS NULL."""
    expected = list(expected)
    preds = []
    if None in expected:
        preds.append(_TABLE.c.task_state.is_(None))
    values = [v for v in expected if v is not None]
    if values:
        preds.append(_TABLE.c.task_state.in_(values))
    return sa.or_(*preds) if preds else sa.false()


def update(session, uuid, values, *, expected_task_state=UNSET, expected_vm_state=UNSET,
           expected_updated_at=UNSET, expected_host=UNSET, returning=instance_cas.ALL):
    """Compare-and-swap update: one prebuilt UPDATE … RETURNING with the predicates in
    its WHERE (api/db/instance_cas.py); ``returning``: the columns the caller uses.

    On a miss the row is re-read to say why: gone → InstanceNotFound, another host →
    HostMismatch, else UnexpectedTaskStateError / InstanceInvalidState. Returns the
    updated instance (every row goes to the dashboard feed too, see CHANGED).
    """
    if expected_task_state is not UNSET:
        expected_task_state = as_list(expected_task_state)
    if expected_vm_state is not UNSET:
        expected_vm_state = as_list(expected_vm_state)
    row = _swap(session, uuid, values, expected_task_state=expected_task_state,
                expected_vm_state=expected_vm_state, expected_host=expected_host,
                expected_updated_at=expected_updated_at, returning=returning)
    if row is not None:
        return row
    current = get(session, uuid)
    if expected_host is not UNSET and current['host'] != expected_host:
        raise exception.HostMismatch(host=expected_host, instance_uuid=uuid)
    if expected_task_state is not UNSET and current['task_state'] not in expected_task_state:
        # As Nova's: a step that finds the instance being deleted can tell (its guest goes).
        error = (exception.UnexpectedDeletingTaskStateError
                 if current['task_state'] == states.DELETING
                 else exception.UnexpectedTaskStateError)
        raise error(
            instance_uuid=uuid, expected=expected_task_state, actual=current['task_state'])
    if expected_vm_state is not UNSET and current['vm_state'] not in expected_vm_state:
        raise exception.InstanceInvalidState(
            method='update', instance_uuid=uuid, attr='vm_state', state=current['vm_state'])
    raise exception.UnexpectedTaskStateError(
        instance_uuid=uuid, expected=f'updated_at {expected_updated_at}',
        actual=f'updated_at {current["updated_at"]}')


def update_owned(session, uuid, values, *, owner, unlocked, launched, expected_task_state,
                 expected_vm_state, returning=instance_cas.ALL):
    """The CAS of ``update`` that also requires ``owner`` (project_id, user_id), an
    unlocked row when ``unlocked`` and a ``launched_at`` when ``launched``: the updated
    instance, or None on a miss, with no re-read (the caller's full path says why)."""
    return _swap(session, uuid, values, expected_task_state=as_list(expected_task_state),
                 expected_vm_state=as_list(expected_vm_state), expected_owner=owner,
                 unlocked=unlocked, launched=launched, returning=returning)


def cas_columns(values):
    """``values`` (attribute names) by column name, with a fresh ``updated_at``: what a
    CAS sets."""
    columns = {_COLUMN_OF.get(key, key): value for key, value in values.items()}
    columns['updated_at'] = models.utcnow()
    return columns


def note_changed(session, row):
    """Note ``row`` (a CAS's result) for the dashboard feed (CHANGED); returns it."""
    if row is not None:
        session.info.setdefault(CHANGED, []).append(row)
    return row


def _swap(session, uuid, values, **guards):
    """The CAS of ``values`` (attribute names) with a fresh ``updated_at``; the row, also
    noted for the dashboard feed (CHANGED), or None on a miss."""
    return note_changed(session, instance_cas.swap(session.connection(), uuid,
                                                   cas_columns(values), **guards))


def as_list(value):
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def soft_delete(session, uuid):
    """Mark ``uuid`` deleted (Nova's ``deleted = id`` convention)."""
    model = models.Instance
    now = models.utcnow()
    row = session.scalars(sa.select(model).where(model.uuid == uuid, _live())).first()
    done = session.execute(
        sa.update(model).where(model.uuid == uuid, _live())
        .values(deleted=model.id, deleted_at=now, terminated_at=now,
                vm_state='deleted', task_state=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if done == 1:
        db_tags.delete_all(session, uuid)   # as Nova's instance_destroy
    if done == 1 and row is not None and row.host:
        # The scheduler's claim on the host goes with the instance (once: the row is gone).
        db_nodes.release(session, host=row.host, vcpus=row.vcpus, memory_mb=row.memory_mb,
                         disk_gb=db_nodes.instance_disk_gb(
                             {'root_gb': row.root_gb, 'ephemeral_gb': row.ephemeral_gb,
                              'swap': row.swap}))
    if done == 1:
        end_moves(session, uuid)


def end_moves(session, uuid):
    """A deleted instance's resize or migration in progress ends (Nova confirms a resized
    one): the claim its row does not hold — the other side's flavor — is given back; so
    is an evacuation's destination claim (api/db/evacuations.py), and a live migration's
    claim on the host the instance is not on."""
    evacuation = db_evacuations.in_progress(session, uuid)
    if evacuation is not None:
        db_evacuations.instance_deleted(session, evacuation)
    _end_live_migrations(session, uuid)
    for migration in db_migrations.get_all(session, {'instance_uuid': uuid,
                                                     'status': db_migrations.IN_PROGRESS}):
        if migration['migration_type'] not in ('resize', 'migration'):
            continue
        if migration['status'] in (db_migrations.PRE_MIGRATING, db_migrations.MIGRATING):
            # Still on the source with the old flavor: the destination's claim remains.
            other, flavor = migration['dest_compute'], migration['new_flavor']
        else:
            other, flavor = migration['source_compute'], migration['old_flavor']
        if other and flavor:
            db_nodes.release(session, host=other, vcpus=int(flavor['vcpus']),
                             memory_mb=int(flavor['memory_mb']),
                             disk_gb=db_nodes.instance_disk_gb(flavor))
        # Nova confirms a finished move on deleting; any other ends in error.
        finished = migration['status'] in (db_migrations.FINISHED, db_migrations.CONFIRMING)
        db_migrations.update(session, migration['id'], {
            'status': db_migrations.CONFIRMED if finished else db_migrations.ERROR})


def _end_live_migrations(session, uuid):
    """A live migration in progress ends in error; the claim on the host the instance
    is not on is given back."""
    rows = db_migrations.get_all(session, {'instance_uuid': uuid,
                                           'migration_type': 'live-migration',
                                           'status': db_migrations.LIVE_ACTIVE})
    if not rows:
        return
    host = get(session, uuid, read_deleted=True)['host']
    for migration in rows:
        other = (migration['source_compute'] if host == migration['dest_compute']
                 else migration['dest_compute'])
        flavor = migration['new_flavor']
        if other and flavor:
            db_nodes.release(session, host=other, vcpus=int(flavor['vcpus']),
                             memory_mb=int(flavor['memory_mb']),
                             disk_gb=db_nodes.instance_disk_gb(flavor))
        db_migrations.update(session, migration['id'], {'status': db_migrations.ERROR})


def usage(session, project_id):
    """(instances, vcpus, memory_mb) of ``project_id``'s live instances."""
    model = models.Instance
    row = session.execute(sa.select(
        sa.func.count(model.id), sa.func.coalesce(sa.func.sum(model.vcpus), 0),
        sa.func.coalesce(sa.func.sum(model.memory_mb), 0),
    ).where(_live(), model.project_id == project_id)).one()
    return int(row[0]), int(row[1]), int(row[2])


def count_by_host(session):
    """{host: number of live instances} for the hosts that have any."""
    model = models.Instance
    stmt = (sa.select(model.host, sa.func.count()).where(_live(), model.host.is_not(None))
            .group_by(model.host))
    return dict(session.execute(stmt).all())


def get_reclaimable(session, *, deleted_before):
    """Live soft-deleted instances, idle, soft-deleted before ``deleted_before``."""
    stmt = sa.select(*_COLUMNS).where(
        _live(), _TABLE.c.vm_state == states.SOFT_DELETED, _TABLE.c.task_state.is_(None),
        _TABLE.c.deleted_at < deleted_before)
    return [dict(r) for r in session.execute(stmt).mappings()]


def get_stuck(session, *, older_than):
    """Live instances whose task_state has not moved since ``older_than``."""
    model = models.Instance
    stmt = sa.select(model).where(
        _live(), model.task_state.is_not(None),
        sa.func.coalesce(model.updated_at, model.created_at) < older_than)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]
