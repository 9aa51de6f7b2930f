"""The conductor endpoint, measured.

Each RPC method's latency goes to ``cepheid_conductor_call_seconds`` (database
unavailable errors to ``cepheid_db_errors``); each finished event to
``cepheid_action_events`` and, from its action's start (the request's accept), to
``cepheid_action_duration_seconds``. (task_state durations are measured where the steps
happen, on the compute: ``compute/metrics.py``.)
"""

import datetime
import time

from oslo_log import log as logging

from cepheid.api import conductor
from cepheid.api import db_errors
from cepheid.api.db import actions as db_actions
from cepheid.common import metrics

LOG = logging.getLogger(__name__)

_MEASURED = ('begin', 'task_begin', 'task_update', 'task_advance', 'task_finish',
             'instance_destroy',
             'instances_on_host', 'instance_get', 'power_state_sync',
             'instances_for_recovery', 'service_heartbeat', 'report_batch')


class ObservedConductorEndpoint(conductor.ConductorEndpoint):
    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name in _MEASURED:
            return _timed(name, attr)
        return attr

    def task_finish(self, context, **kwargs):
        result = super().task_finish(context, **kwargs)
        if kwargs.get('event'):
            self._event_finished(context, kwargs['instance_uuid'], kwargs['event'],
                                 kwargs['result'])
        return result

    def _batch_applied(self, prepared, replies):
        """The events a committed batch finished: counted and timed, one read for all."""
        finished = [(context, args) for (method, context, args), reply
                    in zip(prepared, replies, strict=True)
                    if method == 'task_finish' and args.get('event')
                    and not isinstance(reply, Exception)]
        if not finished:
            return
        try:
            with self.db.transaction() as session:
                for context, args in finished:
                    self._event_finished(context, args['instance_uuid'], args['event'],
                                         args['result'], session=session)
        except Exception as exc:   # a metric never fails the call it measures
            LOG.debug('No accept times for a batch: %s', exc)

    def _event_finished(self, context, instance_uuid, event, result, session=None):
        metrics.ACTION_EVENTS.labels(event, result).inc()
        try:
            if session is None:
                with self.db.transaction() as own:
                    action = db_actions.action_get(own, instance_uuid, context.request_id)
            else:
                action = db_actions.action_get(session, instance_uuid, context.request_id)
        except Exception as exc:   # a metric never fails the call it measures
            LOG.debug('No accept time for %s: %s', context.request_id, exc)
            return
        start = action['start_time']
        if start.tzinfo is None:
            start = start.replace(tzinfo=datetime.UTC)
        elapsed = datetime.datetime.now(datetime.UTC) - start
        metrics.ACTION_DURATION.labels(event).observe(max(elapsed.total_seconds(), 0.0))


def _timed(name, method):
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
