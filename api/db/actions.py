"""Instance actions, their events, and instance faults."""

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import prebuilt
from cepheid.api.db import session as db_session
from cepheid.common import exception

_ACTION_INSERT_RETURNING = (
    sa.insert(models.InstanceAction.__table__)
    .values({name: sa.bindparam(name) for name in (
        'instance_uuid', 'request_id', 'action', 'user_id', 'project_id', 'start_time',
        'created_at')})
    .returning(*models.InstanceAction.__table__.c))


def action_start(session, *, instance_uuid, request_id, action, user_id, project_id):
    """Record an instance action (a prebuilt Core INSERT: it is on every request's path);
    returns its row."""
    table = models.InstanceAction.__table__
    now = models.utcnow()
    values = dict(instance_uuid=instance_uuid, request_id=request_id, action=action,
                  user_id=user_id, project_id=project_id, start_time=now, created_at=now)
    conn = session.connection()
    if conn.dialect.insert_returning:
        return dict(prebuilt.execute(conn, _ACTION_INSERT_RETURNING, values).mappings().one())
    return db_session.insert_returning(session, sa.insert(table).values(**values), table)


def _action_row(session, instance_uuid, request_id):
    model = models.InstanceAction
    stmt = (sa.select(model)
            .where(model.instance_uuid == instance_uuid, model.request_id == request_id)
            .order_by(model.id.desc()))
    row = session.scalars(stmt).first()
    if row is None:
        raise exception.InstanceActionNotFound(request_id=request_id,
                                               instance_uuid=instance_uuid)
    return row


def action_get(session, instance_uuid, request_id):
    return db_session.row_to_dict(_action_row(session, instance_uuid, request_id))


def action_list(session, instance_uuid, *, limit=None, marker=None, changes_since=None,
                changes_before=None):
    """Actions of an instance, newest first; ``marker`` is a request_id."""
    model = models.InstanceAction
    stmt = sa.select(model).where(model.instance_uuid == instance_uuid)
    if changes_since is not None:
        stmt = stmt.where(sa.func.coalesce(model.updated_at, model.created_at) >= changes_since)
    if changes_before is not None:
        stmt = stmt.where(sa.func.coalesce(model.updated_at, model.created_at) <= changes_before)
    if marker is not None:
        mrow = _action_row(session, instance_uuid, marker)
        stmt = stmt.where(db_session.older_than(model, mrow))
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def event_list(session, action_id):
    model = models.InstanceActionEvent
    stmt = sa.select(model).where(model.action_id == action_id).order_by(model.id)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def _unfinished_event(session, action_id, event):
    model = models.InstanceActionEvent
    return session.scalars(
        sa.select(model).where(model.action_id == action_id, model.event == event,
                               model.finish_time.is_(None)).order_by(model.id.desc())).first()


def _finished_event(session, action_id, event):
    model = models.InstanceActionEvent
    return session.scalars(
        sa.select(model).where(model.action_id == action_id, model.event == event,
                               model.finish_time.is_not(None)).order_by(model.id.desc())).first()


def event_start(session, *, instance_uuid, request_id, event, host, details=None):
    """Record that ``event`` began for the action of ``request_id``; touches the action.

    A retry of an event that never finished (a compute restart) reuses its row.
    """
    action = _action_row(session, instance_uuid, request_id)
    now = models.utcnow()
    action.updated_at = now
    row = _unfinished_event(session, action.id, event)
    if row is None:
        row = models.InstanceActionEvent(action_id=action.id, event=event, start_time=now,
                                         host=host, details=details)
        session.add(row)
    row.host = host
    session.flush()
    return db_session.row_to_dict(row)


def event_finish(session, *, instance_uuid, request_id, event, host, result,
                 traceback=None, details=None):
    """Finish the newest unfinished ``event`` (or record it whole when its start was lost).

    A failed event marks the action's message "Error", as Nova does. Finishing an event
    that already finished (a retried call whose reply was lost) changes nothing.
    """
    action = _action_row(session, instance_uuid, request_id)
    now = models.utcnow()
    row = _unfinished_event(session, action.id, event)
    if row is None:
        finished = _finished_event(session, action.id, event)
        if finished is not None:
            return db_session.row_to_dict(finished)
        row = models.InstanceActionEvent(action_id=action.id, event=event, start_time=now,
                                         host=host)
        session.add(row)
    row.finish_time = now
    row.result = result
    row.traceback = traceback
    if details is not None:
        row.details = details
    action.updated_at = now
    if result.lower() == 'error':
        action.message = 'Error'
    session.flush()
    return db_session.row_to_dict(row)


def latest_action(session, instance_uuid):
    """The newest action of an instance, or None."""
    model = models.InstanceAction
    row = session.scalars(sa.select(model).where(model.instance_uuid == instance_uuid)
                          .order_by(model.created_at.desc(), model.id.desc())).first()
    return db_session.row_to_dict(row) if row is not None else None


def action_has_event(session, action_id, event):
    model = models.InstanceActionEvent
    stmt = sa.select(sa.func.count()).where(model.action_id == action_id, model.event == event)
    return session.scalar(stmt) > 0


def event_finished(session, *, instance_uuid, request_id, event):
    """True when ``event`` of this request already finished (a redelivered message)."""
    try:
        action = _action_row(session, instance_uuid, request_id)
    except exception.InstanceActionNotFound:
        return False
    model = models.InstanceActionEvent
    stmt = sa.select(sa.func.count()).where(model.action_id == action.id,
                                            model.event == event,
                                            model.finish_time.is_not(None))
    return session.scalar(stmt) > 0


_FAULTS = models.InstanceFault.__table__
_FAULT_INSERT = sa.insert(_FAULTS).values({name: sa.bindparam(name) for name in (
    'instance_uuid', 'code', 'message', 'details', 'host', 'created_at')})
_FAULT_INSERT_RETURNING = _FAULT_INSERT.returning(*_FAULTS.c)


def fault_create(session, *, instance_uuid, code, message, details=None, host=None):
    """Record a fault (a prebuilt Core INSERT); returns its row."""
    values = dict(instance_uuid=instance_uuid, code=code, message=message[:255],
                  details=details, host=host, created_at=models.utcnow())
    conn = session.connection()
    if conn.dialect.insert_returning:
        return dict(conn.execute(_FAULT_INSERT_RETURNING, values).mappings().one())
    key = conn.execute(_FAULT_INSERT, values).inserted_primary_key[0]
    return dict(values, id=key, updated_at=None)


def fault_latest(session, instance_uuids):
    """{instance_uuid: newest fault} for those that have one."""
    if not instance_uuids:
        return {}
    model = models.InstanceFault
    stmt = (sa.select(model).where(model.instance_uuid.in_(list(instance_uuids)))
            .order_by(model.created_at.desc(), model.id.desc()))
    latest = {}
    for row in session.scalars(stmt):
        latest.setdefault(row.instance_uuid, db_session.row_to_dict(row))
    return latest


# -- the hot path: one lookup to begin an event, finish it by primary key ----------
_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__


# Built once: the lookup of a request's action and its event of one name, and the
# writes of the event's start and finish (executed with bound parameters).
_EVENT_LOOKUP = (
    sa.select(_ACTIONS.c.id, _EVENTS.c.id, _EVENTS.c.finish_time)
    .select_from(_ACTIONS.outerjoin(_EVENTS, sa.and_(_EVENTS.c.action_id == _ACTIONS.c.id,
                                                     _EVENTS.c.event == sa.bindparam('event'))))
    .where(_ACTIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
           _ACTIONS.c.request_id == sa.bindparam('request_id'))
    .order_by(_ACTIONS.c.id.desc(), _EVENTS.c.id.desc()))
# The touch of a begin: the request's action(s) without a finished event of that name
# (a handled request writes nothing). Run before the lookup, it takes the action's write
# lock first, so a begin of the same request on another connection waits here until this
# one commits (event_begin).
_ACTION_TOUCH_UNHANDLED = (
    sa.update(_ACTIONS)
    .where(_ACTIONS.c.instance_uuid == sa.bindparam('a_instance_uuid'),
           _ACTIONS.c.request_id == sa.bindparam('a_request_id'),
           ~sa.exists().where(_EVENTS.c.action_id == _ACTIONS.c.id,
                              _EVENTS.c.event == sa.bindparam('a_event'),
                              _EVENTS.c.finish_time.is_not(None)))
    .values(updated_at=sa.bindparam('a_now')))
_EVENT_INSERT = sa.insert(_EVENTS).values(
    action_id=sa.bindparam('action_id'), event=sa.bindparam('event'),
    start_time=sa.bindparam('now'), host=sa.bindparam('host'),
    created_at=sa.bindparam('now'))
_FINISH_COLUMNS = ('finish_time', 'result', 'traceback', 'updated_at')
_EVENT_FINISH = {
    with_details: sa.update(_EVENTS)
    .where(_EVENTS.c.id == sa.bindparam('event_id'), _EVENTS.c.finish_time.is_(None))
    .values({name: sa.bindparam(f'v_{name}')
             for name in _FINISH_COLUMNS + (('details',) if with_details else ())})
    for with_details in (False, True)}
_ACTION_OF_EVENT = (sa.select(_EVENTS.c.action_id)
                    .where(_EVENTS.c.id == sa.bindparam('event_id')).scalar_subquery())
_ACTION_FINISH = {
    failed: sa.update(_ACTIONS).where(_ACTIONS.c.id == _ACTION_OF_EVENT)
    .values(updated_at=sa.bindparam('now'), **({'message': 'Error'} if failed else {}))
    for failed in (False, True)}
# The same, returning the action's start time (where UPDATE has RETURNING).
_ACTION_FINISH_RETURNING = {failed: stmt.returning(_ACTIONS.c.start_time)
                            for failed, stmt in _ACTION_FINISH.items()}
# session.info key: {event id: its action's start time}, for the events that
# event_finish_by_id finished in this transaction (where the dialect returned it).
ACTION_STARTS = 'cepheid.action_starts'


_ACTION_START = (sa.select(_ACTIONS.c.start_time)
                 .where(_ACTIONS.c.instance_uuid == sa.bindparam('instance_uuid'),
                        _ACTIONS.c.request_id == sa.bindparam('request_id'))
                 .order_by(_ACTIONS.c.id.desc()).limit(1))


def action_start_time(session, instance_uuid, request_id):
    """When the action of ``request_id`` on the instance was accepted; None if unknown."""
    return prebuilt.execute(session.connection(), _ACTION_START,
                            {'instance_uuid': instance_uuid, 'request_id': request_id}).scalar()


def event_begin(session, *, instance_uuid, request_id, event, host):
    """Start ``event`` of the action of ``request_id`` with one lookup; returns its id.

    An event of that name that already finished raises RequestAlreadyHandled (a
    redelivered message); an unfinished one (a retry after a restart) is reused.

    The action is touched (and so locked) first, so the same begin run twice at once
    (the broker handing a message to a second consumer while the first still runs it)
    records one event: the second waits for the first's commit and its lookup then sees
    the first's event. (Touched after the lookup, both looked before either inserted.)
    """
    conn = session.connection()
    now = models.utcnow()
    prebuilt.execute(conn, _ACTION_TOUCH_UNHANDLED, {
        'a_instance_uuid': instance_uuid, 'a_request_id': request_id, 'a_event': event,
        'a_now': now})
    rows = prebuilt.execute(conn, _EVENT_LOOKUP, {
        'event': event, 'instance_uuid': instance_uuid, 'request_id': request_id}).all()
    if not rows:
        raise exception.InstanceActionNotFound(request_id=request_id,
                                               instance_uuid=instance_uuid)
    action_id = rows[0][0]
    if any(finish is not None for aid, _, finish in rows if aid == action_id):
        raise exception.RequestAlreadyHandled(request_id=request_id, event=event,
                                              instance_uuid=instance_uuid)
    event_id = rows[0][1]
    if event_id is None:
        event_id = prebuilt.execute(conn, _EVENT_INSERT, {
            'action_id': action_id, 'event': event, 'now': now, 'host': host}
        ).inserted_primary_key[0]
    return event_id


def event_finish_by_id(session, event_id, *, result, traceback=None, details=None):
    """Finish event ``event_id``; False when it had finished already (a replayed call)."""
    conn = session.connection()
    now = models.utcnow()
    params = {'event_id': event_id, 'v_finish_time': now, 'v_result': result,
              'v_traceback': traceback, 'v_updated_at': now}
    if details is not None:
        params['v_details'] = details
    finished = prebuilt.execute(conn, _EVENT_FINISH[details is not None], params)
    if finished.rowcount == 0:
        return False
    failed, params = result.lower() == 'error', {'event_id': event_id, 'now': now}
    if not conn.dialect.update_returning:
        prebuilt.execute(conn, _ACTION_FINISH[failed], params)
        return True
    start = prebuilt.execute(conn, _ACTION_FINISH_RETURNING[failed], params).scalar()
    session.info.setdefault(ACTION_STARTS, {})[event_id] = start
    return True


def abandoned_events(session, *, older_than, limit=500):
    """Unfinished events started before ``older_than`` whose request no longer owns its
    instance: the instance is idle or deleted, or a newer action was recorded on it.

    Returns ``[{"id", "event", "request_id", "instance_uuid"}]``.
    """
    instances = models.Instance.__table__
    others = _ACTIONS.alias('newest')
    newer = (sa.select(sa.func.max(others.c.id))
             .where(others.c.instance_uuid == _ACTIONS.c.instance_uuid)
             .correlate(_ACTIONS).scalar_subquery())
    stmt = (sa.select(_EVENTS.c.id, _EVENTS.c.event, _ACTIONS.c.request_id,
                      _ACTIONS.c.instance_uuid)
            .select_from(_EVENTS.join(_ACTIONS, _EVENTS.c.action_id == _ACTIONS.c.id)
                         .join(instances, instances.c.uuid == _ACTIONS.c.instance_uuid))
            .where(_EVENTS.c.finish_time.is_(None), _EVENTS.c.start_time < older_than,
                   sa.or_(instances.c.task_state.is_(None), instances.c.deleted != 0,
                          _ACTIONS.c.id != newer))
            .order_by(_EVENTS.c.id).limit(limit))
    return [dict(r) for r in session.execute(stmt).mappings()]


def unfinished_event_ids(session, action_id):
    """Ids of the events of ``action_id`` that have not finished."""
    stmt = sa.select(_EVENTS.c.id).where(_EVENTS.c.action_id == action_id,
                                         _EVENTS.c.finish_time.is_(None))
    return list(session.scalars(stmt))
