"""The stuck-task watchdog (beyond Nova): nothing stays in a task state forever.

Runs in one worker of each api host (api/workers.py). An instance whose task_state has
not moved for ``[DEFAULT] reboot_timeout`` seconds is re-sent once to its host when the
host is up (the cast may have been lost; the compute ignores a duplicate of a finished
request), and otherwise — host down, or already re-sent — ended: task_state cleared, a
fault row, and an ``api_watchdog`` event in Error on its action. Each step claims the
instance with a compare-and-swap on ``updated_at``, so several api processes never handle
one twice. A re-send is written to the outbox in the claim's transaction. It also
finishes, as Error, events left open past the timeout whose request no longer owns the
instance. A stuck evacuation is re-sent to its destination, never to its failed source,
or ended in ERROR with the evacuation failed (the source keeps its guest).
"""

import datetime

from oslo_log import log as logging

from cepheid.api import db_errors
from cepheid.api import resize_confirm
from cepheid.api.db import actions as db_actions
from cepheid.api.db import evacuations as db_evacuations
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import metrics
from cepheid.common import periodic
from cepheid.common import states
from cepheid.compute import actions as compute_actions
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)

RESEND_EVENT = 'api_watchdog_resend'
END_EVENT = 'api_watchdog'


class Watchdog(periodic.PeriodicThread):
    thread_name = 'watchdog'

    def __init__(self, conf, store):
        super().__init__()
        self.conf, self.store, self.db = conf, store, store.db

    @property
    def interval(self):
        return self.conf.watchdog_interval

    def enabled(self):
        return True

    def run_failed(self, exc):
        if isinstance(exc, db_errors.UNAVAILABLE):
            metrics.DB_ERRORS.labels('watchdog').inc()
            LOG.warning('Watchdog check skipped: database unavailable: %s',
                        db_errors.brief(exc))
        else:
            LOG.exception('Watchdog check failed')

    def check_once(self):
        """Handle every stuck instance once; returns {uuid: 'resent' | 'ended' | 'waiting'}."""
        cutoff = models.utcnow() - datetime.timedelta(seconds=self.conf.reboot_timeout)
        with self.db.transaction() as session:
            stuck = db_instances.get_stuck(session, older_than=cutoff)
        outcome = {}
        self.finish_abandoned_events(cutoff)
        for uuid in resize_confirm.resend_stuck_confirms(self.store, cutoff):
            outcome[uuid] = 'resent'
            metrics.WATCHDOG.labels('resent').inc()
        for instance in stuck:
            try:
                outcome[instance['uuid']] = self._handle(instance)
                metrics.WATCHDOG.labels(outcome[instance['uuid']]).inc()
            except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
                LOG.info('Instance %s moved on before the watchdog claimed it',
                         instance['uuid'])
        return outcome

    def finish_abandoned_events(self, cutoff):
        """Finish as Error the events open since before ``cutoff`` whose request no longer
        owns its instance (e.g. ``begin`` succeeded, its reply was lost, and the re-sent
        call found a newer request in charge). Returns how many it finished."""
        with self.db.transaction() as session:
            events = db_actions.abandoned_events(session, older_than=cutoff)
            finished = 0
            for event in events:
                finished += db_actions.event_finish_by_id(
                    session, event['id'], result='Error',
                    details=f'not finished within {self.conf.reboot_timeout} s; the '
                            'instance moved on without this request')
        for event in events:
            LOG.info('Event %s of request %s on %s left open; finished as Error',
                     event['event'], event['request_id'], event['instance_uuid'])
        return finished

    def _handle(self, instance):
        with self.db.transaction() as session:
            action = db_actions.latest_action(session, instance['uuid'])
            resent = action is not None and db_actions.action_has_event(
                session, action['id'], RESEND_EVENT)
        evacuation = self._evacuation(instance)
        if evacuation is not None:
            return self._handle_evacuation(instance, action, resent, evacuation)
        resend = compute_actions.resend_method(instance['task_state'])
        host_up = bool(instance['host']) and self.store.host_is_up(instance['host'])
        if instance['task_state'] == states.MIGRATING and host_up:
            # A live migration may copy memory for long: its source completes or rolls
            # it back, and recovers it when restarted. Ended only when that host is down.
            return 'waiting'
        if host_up and resend and not resent and action is not None:
            self._resend(instance, action, *resend)
            return 'resent'
        self._end(instance, action, host_up)
        return 'ended'

    def _evacuation(self, instance):
        """The evacuation a stuck rebuild belongs to (its source is the instance's host
        and it is the instance's newest move), or None."""
        if instance['task_state'] not in states.REBUILD_STATES:
            return None
        with self.db.transaction() as session:
            moves = db_migrations.get_all(session, {'instance_uuid': instance['uuid']})
        if not moves:
            return None
        newest = moves[-1]
        if (newest['migration_type'] == db_evacuations.TYPE
                and newest['status'] in (*db_evacuations.IN_PROGRESS,
                                         db_evacuations.COMPLETED)
                and newest['source_compute'] == instance['host']):
            return newest
        return None

    def _handle_evacuation(self, instance, action, resent, evacuation):
        """Never re-sent to the (failed) source: to the destination once when it is up,
        else ended in ERROR with the evacuation failed (the source keeps its guest)."""
        dest = evacuation['dest_compute']
        dest_up = bool(dest) and self.store.host_is_up(dest)
        if dest_up and not resent and action is not None:
            self._resend(instance, action, None, None, cast=compute_rpcapi.evacuate_instance(
                instance, evacuation, admin_password=None, on_shared_storage=None))
            return 'resent'
        self._end(instance, action, dest_up, evacuation=evacuation)
        return 'ended'

    def _claim(self, session, instance, values):
        return db_instances.update(session, instance['uuid'], values,
                                   expected_task_state=[instance['task_state']],
                                   expected_updated_at=instance['updated_at'])

    def _record(self, session, instance, action, event, result):
        if action is None:
            return
        kwargs = dict(instance_uuid=instance['uuid'], request_id=action['request_id'],
                      event=event, host=None)
        db_actions.event_start(session, **kwargs)
        db_actions.event_finish(session, result=result, **kwargs)

    @staticmethod
    def _finish_open_events(session, action, message):
        """The ended task's own events (the compute's, started and never finished)."""
        if action is None:
            return
        for event_id in db_actions.unfinished_event_ids(session, action['id']):
            db_actions.event_finish_by_id(session, event_id, result='Error', details=message)

    def _resend(self, instance, action, method, kwargs, *, cast=None):
        """Claim the instance and write the cast again to the outbox, in one transaction
        (``cast``: a prepared one; else ``method(**kwargs)`` to the instance's host)."""
        context = cep_context.RequestContext(
            user_id=instance['user_id'], project_id=instance['project_id'], roles=['admin'],
            request_id=action['request_id'], overwrite=False)
        with self.db.transaction() as session:
            claimed = self._claim(session, instance, {'task_state': instance['task_state']})
            self._record(session, instance, action, RESEND_EVENT, 'Success')
            if cast is None:
                cast = compute_rpcapi.cast_for(claimed, method, **kwargs)
            row = self.store.outbox.add(session, context, cast)
        LOG.warning('Task %s of %s stuck: re-sending %s to %s', instance['task_state'],
                    instance['uuid'], cast.method, cast.host)
        self.store.outbox.submit([row])

    def _end(self, instance, action, host_up, *, evacuation=None):
        host = evacuation['dest_compute'] if evacuation else instance['host']
        where = f"host {host} is {'up' if host_up else 'down'}"
        message = (f"Task {instance['task_state']} did not finish within "
                   f"{self.conf.reboot_timeout} s ({where})")
        values = {'task_state': None}
        if instance['task_state'] == states.DELETING and not host_up:
            values.update(vm_state=states.DELETED, deleted=instance['id'],
                          deleted_at=models.utcnow())
        moving = instance['task_state'] in (*states.RESIZE_STATES, states.RESIZE_REVERTING)
        if moving or evacuation:
            # Its guest may be off on one host and not built on the other: ERROR, the
            # move ended and the claim its record does not hold given back.
            values['vm_state'] = states.ERROR
        live = instance['task_state'] == states.MIGRATING   # the guest stays on the source
        with self.db.transaction() as session:
            self._claim(session, instance, values)
            if moving or live:
                db_instances.end_moves(session, instance['uuid'])
            if evacuation:
                db_evacuations.fail(session, evacuation)
            self._finish_open_events(session, action, message)
            self._record(session, instance, action, END_EVENT, 'Error')
            db_actions.fault_create(session, instance_uuid=instance['uuid'], code=500,
                                    message=message, details=message)
        LOG.error('Instance %s: %s; task ended', instance['uuid'], message)
