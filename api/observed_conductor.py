"""The conductor endpoint, measured.

Each RPC method's latency goes to ``cepheid_conductor_call_seconds`` (database
unavailable errors to ``cepheid_db_errors``); each finished event to
``cepheid_action_events`` and, from its action's start (the request's accept), to
``cepheid_action_duration_seconds``. (task_state durations are measured where the steps
happen, on the compute: ``compute/metrics.py``.)
"""

import datetime
import functools
import time

from oslo_log import log as logging

from cepheid.api import conductor
from cepheid.api import db_errors
from cepheid.api.db import actions as db_actions
from cepheid.common import metrics

LOG = logging.getLogger(__name__)
# session.info key: (event, result, accept time) of the events this transaction finished.
_FINISHED = 'cepheid.finished_events'

_MEASURED = ('begin', 'task_begin', 'task_update', 'task_advance', 'task_finish',
             'task_end', 'instance_destroy',
             'instances_on_host', 'instance_get', 'power_state_sync',
             'instances_for_recovery', 'service_heartbeat', 'report_batch', 'gathered_steps',
             'usage_audit_begin', 'task_log_end_task')


class ObservedConductorEndpoint(conductor.ConductorEndpoint):
    def __init__(self, database, **kwargs):
        super().__init__(database, **kwargs)
        # The RPC methods, timed: wrapped once here (the dispatcher finds them as
        # attributes), so the endpoint's own attribute look-ups cost nothing extra.
        for name in _MEASURED:
            setattr(self, name, _timed(name, getattr(self, name)))
        database.on_commit(_committed)

    def _finish_in(self, session, context, host, instance_uuid, event, result, values,
                   expected_task_state, traceback, fault, event_id):
        """Each finished event's accept time (returned by the finish of its action where
        the database can, else read), in its own transaction; counted and timed once that
        commits (a single call or a batch alike)."""
        reply = super()._finish_in(session, context, host, instance_uuid, event, result,
                                   values, expected_task_state, traceback, fault, event_id)
        if event:
            _observe(session, context, instance_uuid, event, result, event_id)
        return reply

    def _end_in(self, session, context, host, instance_uuid, event, event_id, values,
                expected_task_state, notify):
        """The same for the end sent as a cast (1.12), when this delivery applied it."""
        applied = super()._end_in(session, context, host, instance_uuid, event, event_id,
                                  values, expected_task_state, notify)
        if applied:
            _observe(session, context, instance_uuid, event, 'Success', event_id)
        return applied


def _observe(session, context, instance_uuid, event, result, event_id):
    """Note the finished event and its action's accept time, for after the commit."""
    starts = session.info.get(db_actions.ACTION_STARTS, {})
    if event_id in starts:
        start = starts[event_id]
    else:
        start = db_actions.action_start_time(session, instance_uuid, context.request_id)
    session.info.setdefault(_FINISHED, []).append((event, result, start))


def _committed(session):
    for event, result, start in session.info.pop(_FINISHED, ()):
        metrics.ACTION_EVENTS.labels(event, result).inc()
        if start is None:
            continue
        if start.tzinfo is None:
            start = start.replace(tzinfo=datetime.UTC)
        elapsed = datetime.datetime.now(datetime.UTC) - start
        metrics.ACTION_DURATION.labels(event).observe(max(elapsed.total_seconds(), 0.0))


def _timed(name, method):
    @functools.wraps(method)
    def timed(*args, **kwargs):
        start = time.monotonic()
        try:
            return method(*args, **kwargs)
        except db_errors.UNAVAILABLE:
            metrics.DB_ERRORS.labels('conductor').inc()
            raise
        finally:
            metrics.CONDUCTOR_CALL.labels(name).observe(time.monotonic() - start)
    return timed
