"""The conductor's side of evacuate: the destination's steps and the source's clean-up.

``evacuation_step`` (the destination only): start or finish the action event, CAS the
instance — still on its source, so ``expected_host`` is the source — and move the
evacuation on (``outcome``: ``start``, ``done`` with the hand-over of host and node,
``failed``), with the claims of api/db/evacuations.py, in one transaction.
``evacuations_from_host`` and ``evacuation_source_cleaned`` are Nova's
``_destroy_evacuated_instances`` seen from the source when it starts again;
``evacuations_to_host`` what the destination redoes when it starts again. Mixed into
ConductorEndpoint.
"""

from cepheid.api.db import actions as db_actions
from cepheid.api.db import evacuations as db_evacuations
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.common import exception
from cepheid.common import objects
from cepheid.common import states
from cepheid.compute import rpcapi as compute_rpcapi

_OUTCOMES = {'done': db_evacuations.hand_over, 'failed': db_evacuations.fail}


def _evacuation(session, migration_id, instance_uuid, host, side):
    migration = db_migrations.get(session, migration_id)
    if (migration['migration_type'] != db_evacuations.TYPE
            or migration['instance_uuid'] != instance_uuid or migration[side] != host):
        raise exception.HostMismatch(host=host, instance_uuid=instance_uuid)
    return migration


class EvacuateConductor:
    """Needs ``db`` and the conductor's ``_event_begin``, ``_end_event``, ``_record_fault``
    and ``_clean``."""

    def evacuation_step(self, context, *, host, instance_uuid, migration_id, phase=None,
                        event=None, event_id=None, values=None, expected_task_state=None,
                        outcome=None, result='Success', traceback=None, fault=None):
        """One step of the destination; returns ``{"instance", "event_id"}``."""
        values = values or {}
        moved = {k: str(v) for k, v in values.items() if k in ('host', 'node')}
        plain = self._clean({k: v for k, v in values.items() if k not in moved})
        with self.db.transaction() as session:
            migration = _evacuation(session, migration_id, instance_uuid, host,
                                    'dest_compute')
            if outcome == 'start':
                db_evacuations.start(session, migration)
            if phase == 'start' and event:
                event_id = self._event_begin(session, context, host, instance_uuid, event)
            if values:
                kwargs = {}
                if expected_task_state is not None:
                    kwargs['expected_task_state'] = expected_task_state
                instance = db_instances.update(
                    session, instance_uuid, {**plain, **moved},
                    expected_host=migration['source_compute'], **kwargs)
            else:
                instance = db_instances.get(session, instance_uuid)
            if outcome in _OUTCOMES:
                _OUTCOMES[outcome](session, migration)
            if phase == 'finish':
                self._end_event(session, context, host, instance_uuid, event=event,
                                event_id=event_id, result=result, traceback=traceback)
            if fault:
                self._record_fault(session, host, instance_uuid, fault)
        return {'instance': objects.instance_to_primitive(instance), 'event_id': event_id}

    def evacuations_from_host(self, context, *, host):
        """The evacuations away from ``host`` whose guest there must go (accepted,
        pre-migrating, done), each ``{"migration_id", "instance"}`` (the instance as
        stored, deleted or not: the driver needs its uuid and name)."""
        with self.db.transaction() as session:
            result = []
            for migration in db_evacuations.from_source(session, host):
                try:
                    instance = objects.instance_to_primitive(db_instances.get(
                        session, migration['instance_uuid'], read_deleted=True))
                except exception.InstanceNotFound:
                    instance = {'uuid': migration['instance_uuid']}
                result.append({'migration_id': migration['id'], 'instance': instance})
        return result

    def evacuations_to_host(self, context, *, host):
        """1.8: the evacuations in progress towards ``host`` whose instance is still
        rebuilding on its source, each ``{"migration", "instance", "request_id"}`` (the
        request of its newest action, so the redo's events join it)."""
        with self.db.transaction() as session:
            result = []
            for migration in db_evacuations.to_dest(session, host):
                try:
                    instance = db_instances.get(session, migration['instance_uuid'])
                except exception.InstanceNotFound:
                    continue
                if (instance['host'] != migration['source_compute']
                        or instance['task_state'] not in states.REBUILD_STATES):
                    continue
                action = db_actions.latest_action(session, instance['uuid'])
                result.append({'migration': compute_rpcapi.migration_to_primitive(migration),
                               'instance': objects.instance_to_primitive(instance),
                               'request_id': action['request_id'] if action else None})
        return result

    def evacuation_source_cleaned(self, context, *, host, instance_uuid, migration_id):
        """The source destroyed its guest: the migration ``completed`` (and the source's
        claim given back once the destination has the instance). Returns the status
        set, or None when another clean-up came first."""
        with self.db.transaction() as session:
            migration = _evacuation(session, migration_id, instance_uuid, host,
                                    'source_compute')
            return db_evacuations.source_cleaned(session, migration)
