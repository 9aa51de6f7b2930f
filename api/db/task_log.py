"""Task log rows of the computes' periodic tasks (Nova's task_log_* database calls)."""

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

RUNNING = 'RUNNING'
DONE = 'DONE'


def _period(stmt, task_name, begin, end):
    model = models.TaskLog
    return stmt.where(model.task_name == task_name, model.period_beginning == begin,
                      model.period_ending == end)


def get(session, *, task_name, begin, end, host, state=None):
    """The row of ``host`` for the period, or None."""
    model = models.TaskLog
    stmt = _period(sa.select(model), task_name, begin, end).where(model.host == host)
    if state is not None:
        stmt = stmt.where(model.state == state)
    row = session.scalars(stmt).first()
    return db_session.row_to_dict(row) if row is not None else None


def get_all(session, *, task_name, begin, end, host=None, state=None):
    model = models.TaskLog
    stmt = _period(sa.select(model), task_name, begin, end).order_by(model.host)
    if host is not None:
        stmt = stmt.where(model.host == host)
    if state is not None:
        stmt = stmt.where(model.state == state)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def begin_task(session, *, task_name, begin, end, host, task_items=0, message=''):
    """A RUNNING row; TaskAlreadyRunning when the host has one for the period."""
    if get(session, task_name=task_name, begin=begin, end=end, host=host) is not None:
        raise exception.TaskAlreadyRunning(task_name=task_name, host=host)
    row = models.TaskLog(task_name=task_name, state=RUNNING, host=host,
                         period_beginning=begin, period_ending=end, message=message[:255],
                         task_items=task_items, errors=0)
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError as exc:
        # Another api process began it between the check and the insert.
        raise exception.TaskAlreadyRunning(task_name=task_name, host=host) from exc
    return db_session.row_to_dict(row)


def end_task(session, *, task_name, begin, end, host, errors, message=''):
    """Mark the row DONE with its error count; TaskNotRunning when there is none."""
    model = models.TaskLog
    done = session.execute(
        _period(sa.update(model), task_name, begin, end).where(model.host == host)
        .values(state=DONE, errors=errors, message=message[:255],
                updated_at=models.utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise exception.TaskNotRunning(task_name=task_name, host=host)
