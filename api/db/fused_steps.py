"""On PostgreSQL, a step's writes as one statement: data-modifying CTEs, one round trip.

A compute's ``begin`` writes three rows (its event, the action's ``updated_at``, the
instance's CAS) with a lookup; its ``task_end`` two (the event's finish, the action's)
and the instance's end state; a REST action its CAS and its instance action. Run one
by one that is four, three and two statements, each a round trip and a turn of
SQLAlchemy and psycopg. PostgreSQL runs them as one ``WITH`` statement whose parts see
one snapshot and talk through their ``RETURNING`` rows; other databases have no
data-modifying CTEs and keep the statements (api/db/actions.py, api/db/instances.py),
as does ``[database] fused_steps = false``.

What each statement writes is what the general path writes, and it never decides a
case the general path would decide otherwise:

* ``begin`` writes all or nothing: the event (a new one, or the request's unfinished
  one reused) and the action's touch happen only if the CAS matched, and the CAS
  matches only when the request's action exists and has no finished event of that
  name. No row back means nothing was written; the caller then takes the general path
  in the same transaction, which says why (a redelivery, a missing action, the CAS
  miss recorded on the event). The CAS also requires the instance's row to be the
  version the statement's snapshot read (its ``xmin``): the same begin run twice at
  once (a redelivery while the first still runs it) waits for the first's row lock,
  and PostgreSQL then re-checks only the locked row, so its ``prior`` events, read
  before the first committed, would miss the first's event and a second one would be
  inserted. It misses instead, and the general path (which touches, and so locks, the
  action before it looks: api/db/actions.py) reuses the first's event.
* a REST action on the caller's own instance (api/handlers/owned_action.py) records its
  instance action only if its CAS matched: no row back, nothing written, and the full
  path answers. When its cast is known before the instance is read (an
  ``InstanceCast``: reboot, the power actions), the same statement also writes the
  cast's outbox row (api/outbox.py), its instance built by PostgreSQL from the CAS's
  row as common/objects.py builds it: the whole REST transaction is one statement,
  which commits on its own (api/db/prebuilt.py).
* ``end`` finishes the event (only if unfinished), touches its action and saves the
  end state with the CAS only if it finished the event. No row back: the event had
  finished (a duplicate, or the watchdog's), nothing was written. A row without the
  instance: the event finished and the CAS missed, which the caller explains by
  running the general CAS (it misses again and says why).

Each statement is built once per CAS shape (api/db/instance_cas.py) and cached
(``_execute``).
"""

import json

import sqlalchemy as sa

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instance_cas
from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.api.db import prebuilt
from cepheid.common import objects

_ACTIONS = models.InstanceAction.__table__
_INSTANCES = models.Instance.__table__
_OUTBOX = models.Outbox.__table__
_EVENTS = models.InstanceActionEvent.__table__
_NOW = 'f_now'
_EVENT_ID = 'f_event_id'
_ACTION_START = 'f_action_start'
_OUTBOX_ID = 'f_outbox_id'
_BUILT = {}


def usable(session):
    """Whether ``session``'s transaction runs the fused statements (a CoreSession of a
    Database that has them on, over PostgreSQL)."""
    return getattr(session, 'fused_steps', False)


def _now():
    return sa.bindparam(_NOW, type_=_EVENTS.c.start_time.type)


def _execute(session, build, uuid, values, guards, params, returning, variant=None):
    """Run the statement ``build(shape, returning)`` makes (once per shape) around the CAS
    of ``values`` (attribute names) on ``uuid`` with ``guards`` (instance_cas.prepare's)
    and its own ``params``: its row as a dict, or None. ``variant``: more of what the
    statement's shape depends on, passed to ``build`` as a third argument."""
    columns = db_instances.cas_columns(values)
    shape, cas_params = instance_cas.prepare(uuid, columns, **guards)
    cas_params.update(params, f_now=columns['updated_at'])
    key = (build, shape, returning, variant)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = _BUILT[key] = (build(shape, returning) if variant is None
                              else build(shape, returning, variant))
    row = prebuilt.execute(session.connection(), stmt, cas_params,
                           alone=True).mappings().first()
    return None if row is None else dict(row)


def _cas(shape, returning, *conditions):
    """The instance's CAS of ``shape``, also requiring ``conditions``, as CTE ``cas``."""
    return (instance_cas.update_statement(shape).where(*conditions)
            .returning(*instance_cas.RETURNING[returning]).cte('cas'))


def _any(cte):
    """Whether ``cte`` returned a row."""
    return sa.exists(sa.select(sa.literal(1)).select_from(cte))


def _unchanged_since_snapshot():
    """The CAS's row is the version the statement's snapshot holds: a row another
    transaction updated while this statement waited for its lock does not match (the
    snapshot's ``xmin`` is read once, the locked row's after the wait)."""
    seen = _INSTANCES.alias('seen')
    snapshot_xmin = (sa.select(sa.literal_column('seen.xmin'))
                     .where(seen.c.uuid == sa.bindparam('x_uuid')).scalar_subquery())
    return sa.literal_column('instances.xmin') == snapshot_xmin


def _begin_statement(shape, returning):
    act = (sa.select(_ACTIONS.c.id)
           .where(_ACTIONS.c.instance_uuid == sa.bindparam('f_instance_uuid'),
                  _ACTIONS.c.request_id == sa.bindparam('f_request_id'))
           .order_by(_ACTIONS.c.id.desc()).limit(1).cte('act'))
    act_id = sa.select(act.c.id).scalar_subquery()
    event = sa.bindparam('f_event', type_=_EVENTS.c.event.type)
    prior = (sa.select(_EVENTS.c.id, _EVENTS.c.finish_time)
             .where(_EVENTS.c.action_id == act_id, _EVENTS.c.event == event).cte('prior'))
    handled = sa.exists().where(prior.c.finish_time.is_not(None))
    cas = _cas(shape, returning, _any(act), ~handled, _unchanged_since_snapshot())
    matched = _any(cas)
    new_event = (sa.insert(_EVENTS).from_select(
        ['action_id', 'event', 'start_time', 'host', 'created_at'],
        sa.select(act.c.id, event, _now(),
                  sa.bindparam('f_host', type_=_EVENTS.c.host.type), _now())
        .where(~_any(prior), matched))
        .returning(_EVENTS.c.id).cte('new_event'))
    touch = (sa.update(_ACTIONS).where(_ACTIONS.c.id == act_id, matched)
             .values(updated_at=_now()).cte('touch'))
    event_id = sa.func.coalesce(sa.select(new_event.c.id).scalar_subquery(),
                                sa.select(sa.func.max(prior.c.id)).scalar_subquery())
    return sa.select(event_id.label(_EVENT_ID), *cas.c).add_cte(touch)


def begin(session, *, instance_uuid, request_id, event, host, values, expected_task_state,
          returning=instance_cas.FIELDS):
    """``begin``'s event and its CAS of ``values`` (attribute names) from
    ``expected_task_state`` on ``host`` as one statement: ``(event id, the instance)``,
    or None when nothing was written (see the module docstring)."""
    instance = _execute(
        session, _begin_statement, instance_uuid, values,
        {'expected_host': host, 'expected_task_state': db_instances.as_list(expected_task_state)},
        {'f_instance_uuid': instance_uuid, 'f_request_id': request_id, 'f_event': event,
         'f_host': host}, returning)
    if instance is None:
        return None
    event_id = instance.pop(_EVENT_ID)
    return event_id, db_instances.note_changed(session, instance)


def _end_statement(shape, returning):
    finished = (sa.update(_EVENTS)
                .where(_EVENTS.c.id == sa.bindparam('f_event_id'),
                       _EVENTS.c.finish_time.is_(None))
                .values(finish_time=_now(), result='Success', traceback=None,
                        updated_at=_now())
                .returning(_EVENTS.c.action_id).cte('finished'))
    action = (sa.update(_ACTIONS)
              .where(_ACTIONS.c.id == sa.select(finished.c.action_id).scalar_subquery())
              .values(updated_at=_now())
              .returning(_ACTIONS.c.start_time.label(_ACTION_START)).cte('action'))
    cas = _cas(shape, returning, _any(finished))
    return (sa.select(action.c[_ACTION_START], *cas.c)
            .select_from(finished.outerjoin(action, sa.true()).outerjoin(cas, sa.true())))


def end(session, *, instance_uuid, event_id, host, values, expected_task_state,
        returning=instance_cas.FIELDS):
    """``task_end``'s event finish (result Success) and its CAS of ``values`` from
    ``expected_task_state`` on ``host`` as one statement: None when the event had
    finished already (nothing written), else the saved instance, or ``{}`` when the
    event finished and the CAS missed (see the module docstring). The action's start
    time is noted as event_finish_by_id notes it."""
    instance = _execute(
        session, _end_statement, instance_uuid, values,
        {'expected_host': host, 'expected_task_state': db_instances.as_list(expected_task_state)},
        {'f_event_id': event_id}, returning)
    if instance is None:
        return None
    session.info.setdefault(db_actions.ACTION_STARTS, {})[event_id] = instance.pop(
        _ACTION_START)
    if instance.get('uuid') is None:
        return {}
    return db_instances.note_changed(session, instance)


def _owned_statement(shape, returning):
    cas = _cas(shape, returning)
    return sa.select(*cas.c).add_cte(_recorded(cas))


def _recorded(cas):
    """The REST action's instance action, inserted only if ``cas`` matched."""
    names = ('instance_uuid', 'request_id', 'action', 'user_id', 'project_id')
    return (sa.insert(_ACTIONS).from_select(
        names + ('start_time', 'created_at'),
        sa.select(*(sa.bindparam(f'f_{name}', type_=_ACTIONS.c[name].type) for name in names),
                  _now(), _now())
        .where(_any(cas)))
        .cte('recorded'))


def _text(value):
    """``value`` as an SQL string literal (the fixed keys and formats below)."""
    return sa.literal_column("'" + value.replace("'", "''") + "'")


def _instance_json(cas):
    """The bus form of ``cas``'s instance (objects.instance_to_primitive) as PostgreSQL
    builds it: the same fields, datetimes in ISO 8601 with microseconds (Python's
    isoformat omits them when zero; objects.parse_time reads both)."""
    pairs = []
    for key in objects.INSTANCE_FIELDS:
        value = cas.c[key]
        if key in objects.TIME_FIELDS:
            value = sa.func.to_char(value, _text('YYYY-MM-DD"T"HH24:MI:SS.US'))
        pairs += [_text(key), value]
    return sa.func.json_build_object(*pairs)


def _owned_cast_statement(shape, returning, method):
    """``_owned_statement`` that also writes the outbox row of ``method`` for the
    instance, claimed by this process: its kwargs are the instance's bus form followed
    by the rest, sent as JSON text (``o_kwargs_tail``, see begin_owned_with_cast)."""
    cas = _cas(shape, returning)
    kwargs = sa.func.concat(_text('{"instance": '), sa.cast(_instance_json(cas), sa.Text),
                            sa.bindparam('o_kwargs_tail', type_=sa.Text))
    row = (sa.insert(_OUTBOX).from_select(
        ['host', 'method', 'context', 'kwargs', 'created_at', 'claimed_by', 'claimed_until'],
        sa.select(cas.c.host, _text(method), sa.bindparam('o_context', type_=sa.Text),
                  kwargs, _now(), sa.bindparam('o_claimed_by', type_=_OUTBOX.c.claimed_by.type),
                  sa.bindparam('o_claimed_until', type_=_OUTBOX.c.claimed_until.type))
        .select_from(cas))
        .returning(_OUTBOX.c.id.label(_OUTBOX_ID)).cte('queued'))
    return (sa.select(*cas.c, row.c[_OUTBOX_ID])
            .select_from(cas.join(row, sa.true())).add_cte(_recorded(cas)))


def begin_owned(session, uuid, values, *, context, action, owner, unlocked, launched,
                expected_task_state, expected_vm_state, returning=instance_cas.ALL):
    """A REST action's CAS on the caller's own instance (db_instances.update_owned's
    arguments) and its instance action, recorded only if the CAS matched, as one
    statement: the instance, or None with nothing written."""
    instance = _execute(
        session, _owned_statement, uuid, values,
        _owned_guards(owner, unlocked, launched, expected_task_state, expected_vm_state),
        _action_params(uuid, context, action), returning)
    return None if instance is None else db_instances.note_changed(session, instance)


def _owned_guards(owner, unlocked, launched, expected_task_state, expected_vm_state):
    return {'expected_owner': owner, 'unlocked': unlocked, 'launched': launched,
            'expected_task_state': db_instances.as_list(expected_task_state),
            'expected_vm_state': db_instances.as_list(expected_vm_state)}


def _action_params(uuid, context, action):
    return {'f_instance_uuid': uuid, 'f_request_id': context.request_id, 'f_action': action,
            'f_user_id': context.user_id, 'f_project_id': context.project_id}


def begin_owned_with_cast(session, uuid, values, *, context, action, owner, unlocked,
                          launched, expected_task_state, expected_vm_state, cast, claim,
                          returning=instance_cas.ALL):
    """``begin_owned`` that also writes the outbox row of ``cast`` (an InstanceCast) for
    the instance, with ``claim`` (Outbox.claim's context and claim columns), as one
    statement: ``(the instance, the outbox row's id)``, or None with nothing written."""
    tail = json.dumps(cast.kwargs)[1:]
    params = dict(_action_params(uuid, context, action),
                  o_kwargs_tail=', ' + tail if cast.kwargs else '}',
                  o_context=json.dumps(claim['context']), o_claimed_by=claim['claimed_by'],
                  o_claimed_until=claim['claimed_until'])
    instance = _execute(
        session, _owned_cast_statement, uuid, values,
        _owned_guards(owner, unlocked, launched, expected_task_state, expected_vm_state),
        params, returning, variant=cast.method)
    if instance is None:
        return None
    row_id = instance.pop(_OUTBOX_ID)
    return db_instances.note_changed(session, instance), row_id
