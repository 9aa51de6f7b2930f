"""The conductor endpoint, measured and observable.

Each RPC method's latency goes to ``cepheid_conductor_call_seconds``; each task_state the
compute has this conductor save is reported to ``observers`` (callables taking
``(when, instance_uuid, old_task_state, new_task_state, method)``, ``when`` from
``time.monotonic()``) and, with the time since this process saved the previous one, to
``cepheid_task_state_duration_seconds``; each finished event to
``cepheid_action_events`` and, from its action's start (the request's accept), to
``cepheid_action_duration_seconds``. The all-in-one demo prints its timeline from the
observers: the compute's own reports, in the order the conductor saved them.
"""

import datetime
import threading
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
             'instances_for_recovery', 'service_heartbeat')


class ObservedConductorEndpoint(conductor.ConductorEndpoint):
    def __init__(self, database):
        super().__init__(database)
        self.observers = []
        self._lock = threading.Lock()
        self._since = {}      # uuid -> (task_state, monotonic time this process saved it)

    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name in _MEASURED:
            return _timed(name, attr)
        return attr

    def begin(self, context, **kwargs):
        result = super().begin(context, **kwargs)
        self._saved(result['instance'], 'begin')
        return result

    def task_update(self, context, **kwargs):
        instance = super().task_update(context, **kwargs)
        self._saved(instance, 'task_update')
        return instance

    def task_finish(self, context, **kwargs):
        result = super().task_finish(context, **kwargs)
        if result['saved']:
            self._saved(result['instance'], 'task_finish')
        if kwargs.get('event'):
            self._event_finished(context, kwargs['instance_uuid'], kwargs['event'],
                                 kwargs['result'])
        return result

    def _saved(self, instance, method):
        now = time.monotonic()
        uuid, new = instance['uuid'], instance['task_state']
        with self._lock:
            old, since = self._since.pop(uuid, (None, None))
            if new is not None:
                self._since[uuid] = (new, now)
        if old is not None and since is not None:
            metrics.TASK_STATE_DURATION.labels(old).observe(now - since)
        for observer in list(self.observers):
            observer(now, uuid, old, new, method)

    def _event_finished(self, context, instance_uuid, event, result):
        metrics.ACTION_EVENTS.labels(event, result).inc()
        try:
            with self.db.transaction() as session:
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
