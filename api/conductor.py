"""The RPC endpoint computes call (topic ``cepheid-api``): their only way to the database.

Each method is one transaction, and the common steps are combined (start the action event
and move the task_state; save the end state, finish the event and record a fault) so a
reboot costs three round trips. A compute may only report on instances of its own host.
The steps of an operation (begin, task_advance, task_update, task_finish, and their
batches) run prebuilt Core statements on a Core transaction (``core_transaction``), and
each CAS returns only the columns its reply uses.
"""

import oslo_messaging
from oslo_log import log as logging

from cepheid.api import conductor_advance
from cepheid.api import conductor_batch
from cepheid.api import conductor_cleanup
from cepheid.api import conductor_end
from cepheid.api import conductor_evacuate
from cepheid.api import conductor_moves
from cepheid.api import conductor_usage
from cepheid.api import db_errors
from cepheid.api.db import actions as db_actions
from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import fused_steps
from cepheid.api.db import instance_cas
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import objects
from cepheid.common import states

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-api'
# 1.1 - instance_get, power_state_sync (the compute's power-state sync)
# 1.2 - begin (returns the event id), task_advance (cast), task_finish(event_id)
# 1.3 - service_heartbeat(resources): the host's capacity (compute_nodes)
# 1.4 - report_batch: begin / task_advance / task_update / task_finish items, one
#       transaction (api/conductor_batch.py)
# 1.5 - migration_step, migrations_in_progress (resize and cold migration)
# 1.6 - usage_audit_begin, task_log_end_task (the instance usage audit's task log)
# 1.7 - evacuation_step, evacuations_from_host, evacuation_source_cleaned (evacuate)
# 1.8 - evacuations_to_host (the destination's start-up redo of an evacuation)
# 1.9 - stale_guests (a compute's start-up clean-up of guests deleted or moved away)
# 1.10 - service_heartbeat answers {'heartbeat_topic': ...} when this api consumes
#        heartbeats there (api/heartbeat_consumer.py); older computes ignore the answer
# 1.11 - ... and {'steps_topic': ...} when it consumes the operations' steps there
#        (api/steps_consumer.py); a compute that gets none sends them here
# 1.12 - task_end: the end of an operation as a cast, applied once per event
#        (api/conductor_end.py); the heartbeat's answer carries 'conductor_version'
# 1.13 - the steps topic (api/steps_consumer.py) also serves the called service_heartbeat
#        and instances_on_host; a compute sends them there only to an api of 1.13
# 1.14 - begin(advance, notify): the api sends the start notification and applies the
#        next step once the begin commits, before it answers (api/conductor_advance.py)
VERSION = '1.14'

# A CAS miss on ``begin``: another request (or the watchdog, or a delete) owns the instance.
CAS_MISSES = (exception.UnexpectedTaskStateError, exception.InstanceNotFound,
              exception.HostMismatch, exception.InstanceInvalidState)
# Outcomes of normal races (and a database outage, which the compute waits out): the
# compute handles them; no ERROR traceback in this log.
EXPECTED = (*CAS_MISSES, exception.RequestAlreadyHandled, exception.InstanceActionNotFound,
            exception.ServiceUnavailable, exception.MigrationStatusConflict)


def database_unavailable(exc):
    """A database outage crosses the bus as ServiceUnavailable (retried by the compute),
    logged here in one line."""
    if isinstance(exc, db_errors.UNAVAILABLE):
        LOG.warning('Conductor call failed, database unavailable: %s', db_errors.brief(exc))
        return exception.ServiceUnavailable(reason='database unavailable')
    return None


def superseded_reason(target_task_state, exc):
    """Why a request's operation did not run: the event's Error details."""
    if isinstance(exc, exception.InstanceNotFound):
        return 'superseded: the instance was deleted'
    if isinstance(exc, exception.HostMismatch):
        return 'superseded: the instance is on another host'
    if not isinstance(exc, exception.UnexpectedTaskStateError):
        return f'superseded: {exc.message}'
    actual = exc.kwargs.get('actual')
    if actual in states.HARD_REBOOT_STATES and target_task_state in states.SOFT_REBOOT_STATES:
        return 'superseded by HARD reboot'
    if actual is None and target_task_state in states.HARD_REBOOT_STATES:
        return 'merged into the HARD reboot already in progress'
    return f'superseded: another request owns the instance (task_state {actual})'


# The instance fields a compute may change, and how to read them off the wire.
_UPDATABLE = {
    'task_state': lambda v: v, 'vm_state': lambda v: v, 'power_state': int,
    'launched_at': objects.parse_time, 'terminated_at': objects.parse_time,
}


def _clean_values(values):
    if not isinstance(values, dict):
        raise exception.InvalidRPCPayload(reason='values must be a dict')
    unknown = set(values) - set(_UPDATABLE)
    if unknown:
        raise exception.InvalidRPCPayload(reason=f'fields not updatable: {sorted(unknown)}')
    return {key: _UPDATABLE[key](value) for key, value in values.items()}


class ConductorEndpoint(conductor_batch.BatchingConductor, conductor_end.EndConductor,
                        conductor_advance.AdvancingConductor,
                        conductor_moves.MoveConductor, conductor_evacuate.EvacuateConductor,
                        conductor_cleanup.CleanupConductor,
                        conductor_usage.UsageAuditConductor):
    target = oslo_messaging.Target(version=VERSION)

    def __init__(self, database, *, heartbeats=None, heartbeat_topic=None,
                 steps_topic=None, end_notifier=None):
        self.db = database
        # Sends the end notification of a task_end (1.12) once it commits; None: the
        # ends are applied without one (api/compute_notices.py).
        self.end_notifier = end_notifier
        database.on_commit(self._send_end_notices)
        database.on_commit(self._advance_begun)
        self.heartbeats = heartbeats    # an api.heartbeats.HeartbeatBatcher, or None
        # The topics this process's lean consumers take heartbeats and steps on, or None.
        self.heartbeat_topic = heartbeat_topic
        self.steps_topic = steps_topic

    _clean = staticmethod(_clean_values)

    @staticmethod
    def _own_instance(session, host, instance_uuid):
        instance = db_instances.get(session, instance_uuid)
        if instance['host'] != host:
            raise exception.HostMismatch(host=host, instance_uuid=instance_uuid)
        return instance

    def begin(self, context, *, host, instance_uuid, event, values, expected_task_state,
              advance=None, notify=None):
        """Start ``event`` of this request and CAS the instance, in one transaction.

        Returns ``{"instance": ..., "event_id": ...}``; a request whose event already
        finished raises RequestAlreadyHandled. When the CAS misses (a newer request owns
        the instance: a SOFT reboot overtaken by a HARD one, a HARD merged into one in
        progress) the event is still recorded, finished as Error with the reason, and
        committed before the miss is raised: every accepted request ends with its event.
        1.14: ``advance`` (the next step) and ``notify`` (``[action, phase, format]``)
        follow the commit, before the answer (api/conductor_advance.py).
        """
        values = _clean_values(values)
        with self.db.core_transaction(alone=True) as session:
            reply, missed = self._begin_in(session, context, host, instance_uuid, event,
                                           values, expected_task_state, advance, notify)
        if missed is not None:
            raise missed
        return reply

    def _begin_in(self, session, context, host, instance_uuid, event, values,
                  expected_task_state, advance=None, notify=None):
        """``begin`` inside ``session``: ``(reply, None)`` or ``(None, the CAS miss)``."""
        parsed = None if advance is None else conductor_advance.parse(advance, _clean_values)
        fused = fused_steps.usable(session) and fused_steps.begin(
            session, instance_uuid=instance_uuid, request_id=context.request_id,
            event=event, host=host, values=values, expected_task_state=expected_task_state)
        if fused:
            event_id, instance = fused
        else:
            event_id, instance, missed = self._begin_steps(
                session, context, host, instance_uuid, event, values, expected_task_state)
            if missed is not None:
                return None, missed
        primitive = objects.instance_to_primitive(instance)
        if parsed is not None:
            self._note_advance(session, context, host, primitive, parsed, notify)
        return {'instance': primitive, 'event_id': event_id}, None

    def _begin_steps(self, session, context, host, instance_uuid, event, values,
                     expected_task_state):
        """``begin``'s statements one by one (what api/db/fused_steps.py does in one):
        ``(event id, instance, None)``, or ``(event id, None, the CAS miss)`` with the
        event finished as Error."""
        event_id = self._event_begin(session, context, host, instance_uuid, event)
        try:
            instance = db_instances.update(session, instance_uuid, values,
                                           expected_task_state=expected_task_state,
                                           expected_host=host, returning=instance_cas.FIELDS)
        except CAS_MISSES as exc:
            reason = superseded_reason(values.get('task_state'), exc)
            if event_id is not None:
                db_actions.event_finish_by_id(session, event_id, result='Error',
                                              details=reason)
            LOG.info('Request %s on %s not run: %s', context.request_id, instance_uuid,
                     reason)
            return event_id, None, exc
        return event_id, instance, None

    @staticmethod
    def _event_begin(session, context, host, instance_uuid, event):
        try:
            return db_actions.event_begin(session, instance_uuid=instance_uuid,
                                          request_id=context.request_id, event=event,
                                          host=host)
        except exception.InstanceActionNotFound:
            LOG.warning('No action for request %s on %s', context.request_id, instance_uuid)
            return None

    def task_begin(self, context, *, host, instance_uuid, event, values, expected_task_state):
        """1.0 form of ``begin``: returns the instance only."""
        return self.begin(context, host=host, instance_uuid=instance_uuid, event=event,
                          values=values, expected_task_state=expected_task_state)['instance']

    def task_update(self, context, *, host, instance_uuid, values, expected_task_state):
        """CAS the instance to ``values``; returns the instance."""
        values = _clean_values(values)
        with self.db.core_transaction(alone=True) as session:
            return self._update_in(session, host, instance_uuid, values, expected_task_state)

    @staticmethod
    def _update_in(session, host, instance_uuid, values, expected_task_state):
        instance = db_instances.update(session, instance_uuid, values,
                                       expected_task_state=expected_task_state,
                                       expected_host=host, returning=instance_cas.FIELDS)
        return objects.instance_to_primitive(instance)

    def task_advance(self, context, *, host, instance_uuid, values, expected_task_state):
        """``task_update`` sent as a cast: an intermediate step nobody waits for. Losing
        the race to the operation's own end (or to a newer task) is normal."""
        values = _clean_values(values)
        with self.db.core_transaction(alone=True) as session:
            self._advance_in(session, host, instance_uuid, values, expected_task_state)

    @staticmethod
    def _advance_in(session, host, instance_uuid, values, expected_task_state):
        try:
            # Nobody waits for the row: only what the dashboard feed sends on.
            db_instances.update(session, instance_uuid, values,
                                expected_task_state=expected_task_state,
                                expected_host=host, returning=instance_cas.SUMMARY)
        except (exception.UnexpectedTaskStateError, exception.InstanceNotFound) as exc:
            LOG.debug('Step of %s not saved: %s', instance_uuid, exc)

    def task_finish(self, context, *, host, instance_uuid, event, result, values=None,
                    expected_task_state=None, traceback=None, fault=None, event_id=None):
        """Save the end state (unless a newer task owns the instance), finish the event,
        record a fault — one transaction. Returns ``{"instance": ..., "saved": bool}``."""
        values = _clean_values(values or {})
        with self.db.core_transaction() as session:
            return self._finish_in(session, context, host, instance_uuid, event, result,
                                   values, expected_task_state, traceback, fault, event_id)

    def _finish_in(self, session, context, host, instance_uuid, event, result, values,
                   expected_task_state, traceback, fault, event_id):
        saved, instance = self._save_end_state(session, host, instance_uuid, values,
                                               expected_task_state)
        first = self._end_event(session, context, host, instance_uuid, event=event,
                                event_id=event_id, result=result, traceback=traceback)
        if fault and first:
            self._record_fault(session, host, instance_uuid, fault)
        return {'instance': objects.instance_to_primitive(instance), 'saved': saved}

    def _save_end_state(self, session, host, instance_uuid, values, expected_task_state):
        if not values:
            return False, self._own_instance(session, host, instance_uuid)
        try:
            return True, db_instances.update(session, instance_uuid, values,
                                             expected_task_state=expected_task_state,
                                             expected_host=host,
                                             returning=instance_cas.FIELDS)
        except exception.UnexpectedTaskStateError as exc:
            # A miss changes no row, so the transaction goes on safely.
            LOG.info('Not saving end state of %s: %s', instance_uuid, exc)
            return False, db_instances.get(session, instance_uuid)

    def _end_event(self, session, context, host, instance_uuid, *, event, event_id, result,
                   traceback):
        """Finish the step's event, by id when the compute has it, else by name; False
        when it had finished already."""
        if event_id is not None:
            return db_actions.event_finish_by_id(session, event_id, result=result,
                                                 traceback=traceback)
        return self._finish_event(session, context, host, instance_uuid, event, result,
                                  traceback)

    @staticmethod
    def _record_fault(session, host, instance_uuid, fault):
        """The fault a compute reported (``code``, ``message``, ``details``)."""
        db_actions.fault_create(session, instance_uuid=instance_uuid, host=host,
                                code=int(fault.get('code', 500)),
                                message=str(fault.get('message', '')),
                                details=fault.get('details'))

    @staticmethod
    def _finish_event(session, context, host, instance_uuid, event, result, traceback):
        """Finish ``event`` by name; False when it had finished already (or is unknown)."""
        if not event:
            return True
        kwargs = dict(instance_uuid=instance_uuid, request_id=context.request_id, event=event)
        try:
            if db_actions.event_finished(session, **kwargs):
                return False
            db_actions.event_finish(session, host=host, result=result, traceback=traceback,
                                    **kwargs)
        except exception.InstanceActionNotFound:
            LOG.warning('No action for request %s on %s', context.request_id, instance_uuid)
        return True

    def instance_destroy(self, context, *, host, instance_uuid, event):
        """Soft-delete the instance and finish the delete event."""
        with self.db.transaction() as session:
            self._own_instance(session, host, instance_uuid)
            self._finish_event(session, context, host, instance_uuid, event, 'Success', None)
            db_instances.soft_delete(session, instance_uuid)

    def instances_on_host(self, context, *, host):
        with self.db.transaction() as session:
            rows = db_instances.get_all(session, host=host)
        return [objects.instance_to_primitive(r) for r in rows]

    def instance_get(self, context, *, host, instance_uuid, end=None):
        """One instance of ``host`` (the power-state sync re-reads it before deciding).

        ``end`` (1.12): the ``task_end`` the compute cast last for it (``{"context",
        "args"}``), applied first — a no-op when it was — so the read never overtakes it.
        """
        if end is not None:
            own = cep_context.RequestContext.from_dict(end['context'])
            self.task_end(own, host=host, **end['args'])
        with self.db.transaction() as session:
            instance = self._own_instance(session, host, instance_uuid)
        return objects.instance_to_primitive(instance)

    def power_state_sync(self, context, *, host, instance_uuid, values, expected_vm_state,
                         action=None):
        """Save what the power-state sync found, only while no task owns the instance.

        One CAS on task_state None and ``expected_vm_state``; with ``action`` (the sync
        stopping a guest, as Nova's sync calls the stop API) the instance action of this
        request is recorded in the same transaction. Returns the instance.
        """
        values = _clean_values(values)
        with self.db.transaction() as session:
            self._own_instance(session, host, instance_uuid)
            instance = db_instances.update(session, instance_uuid, values,
                                           expected_task_state=[None],
                                           expected_vm_state=[expected_vm_state])
            if action:
                db_actions.action_start(session, instance_uuid=instance_uuid,
                                        request_id=context.request_id, action=action,
                                        user_id=context.user_id,
                                        project_id=context.project_id)
        return objects.instance_to_primitive(instance)

    def instances_for_recovery(self, context, *, host):
        """Instances of ``host`` with a task in progress, each with its newest request id."""
        with self.db.transaction() as session:
            rows = [r for r in db_instances.get_all(session, host=host) if r['task_state']]
            result = []
            for row in rows:
                action = db_actions.latest_action(session, row['uuid'])
                result.append({'instance': objects.instance_to_primitive(row),
                               'request_id': action['request_id'] if action else None})
        return result

    def service_heartbeat(self, context, *, host, binary, topic, resources=None):
        """Record one beat; answers where later beats (1.10) and steps (1.11) may go,
        for a call."""
        self._record_heartbeat(host=host, binary=binary, topic=topic, resources=resources)
        topics = {key: name for key, name in (('heartbeat_topic', self.heartbeat_topic),
                                              ('steps_topic', self.steps_topic)) if name}
        # 1.12: what this api serves (a compute sends task_end casts only from 1.12 on).
        return dict(topics, conductor_version=VERSION)

    def _record_heartbeat(self, *, host, binary, topic, resources=None):
        if self.heartbeats is not None:
            self.heartbeats.record(host=host, binary=binary, topic=topic, resources=resources)
            return
        with self.db.transaction() as session:
            db_services.heartbeat(session, host=host, binary=binary, topic=topic)
            if resources is not None:
                db_compute_nodes.report(session, host=host, resources=resources)
