"""The conductor's side of resize and cold migration: ``migration_step``, one transaction
per step of a move, called by the source or the destination compute.

A step may start or finish its action event, CAS the instance (task_state, and at the
hand-over its host, node and flavor), CAS the migration's status, give back the claim of
the side the instance left, and record a fault — together, so a compute killed between
two steps leaves the database at one step or the next, never between. Only the move's
two hosts may report on it. Mixed into ConductorEndpoint.
"""

from oslo_log import log as logging

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import resize_store
from cepheid.common import exception
from cepheid.common import objects

LOG = logging.getLogger(__name__)

# The instance fields a move step may set, beyond the usual ones (conductor._UPDATABLE).
_MOVE_FIELDS = {'host': str, 'node': str, 'flavor_id': str, 'flavor_name': str,
                'vcpus': int, 'memory_mb': int, 'root_gb': int, 'ephemeral_gb': int,
                'swap': int, 'flavor_extra_specs': dict}


class MoveConductor:
    """Needs ``db`` and the conductor's ``_event_begin``, ``_end_event``, ``_record_fault``
    and ``_clean``."""

    def migration_step(self, context, *, host, instance_uuid, migration_id, event=None,
                       phase=None, values=None, expected_task_state=None,
                       expected_vm_state=None, status=None, expected_status=None,
                       release=None, result='Success', traceback=None, fault=None,
                       event_id=None):
        """One step; returns ``{"instance", "migration", "event_id"}``.

        ``phase``: ``start`` begins ``event`` (its id is returned), ``finish`` finishes
        ``event_id``. ``release``: ``source`` (confirm: the old flavor's claim there) or
        ``dest`` (revert: the new flavor's claim there).
        """
        moved = {k: _MOVE_FIELDS[k](v) for k, v in (values or {}).items() if k in _MOVE_FIELDS}
        plain = self._clean({k: v for k, v in (values or {}).items()
                                   if k not in _MOVE_FIELDS})
        with self.db.transaction() as session:
            migration = db_migrations.get(session, migration_id)
            if migration['instance_uuid'] != instance_uuid or host not in (
                    migration['source_compute'], migration['dest_compute']):
                raise exception.HostMismatch(host=host, instance_uuid=instance_uuid)
            if phase == 'start' and event:
                event_id = self._event_begin(session, context, host, instance_uuid, event)
            if values:
                kwargs = {}
                if expected_task_state is not None:
                    kwargs['expected_task_state'] = expected_task_state
                if expected_vm_state is not None:
                    kwargs['expected_vm_state'] = expected_vm_state
                instance = db_instances.update(session, instance_uuid, {**plain, **moved},
                                               **kwargs)
            else:
                instance = db_instances.get(session, instance_uuid)
            if status is not None:
                migration = db_migrations.update(
                    session, migration_id, {'status': status},
                    expected_status=tuple(expected_status) if expected_status else None)
            if release == 'source':
                resize_store.release_claim(session, migration['source_compute'],
                                           migration['old_flavor'])
            elif release == 'dest':
                resize_store.release_claim(session, migration['dest_compute'],
                                           migration['new_flavor'])
            if phase == 'finish':
                self._end_event(session, context, host, instance_uuid, event=event,
                                event_id=event_id, result=result, traceback=traceback)
            if fault:
                self._record_fault(session, host, instance_uuid, fault)
        return {'instance': objects.instance_to_primitive(instance),
                'migration': _migration_primitive(migration), 'event_id': event_id}

    def migrations_in_progress(self, context, *, host):
        """The resizes and cold migrations in progress from or to ``host``, each with
        its instance (or None when deleted) and the request id of its newest action."""
        with self.db.transaction() as session:
            result = []
            for migration in db_migrations.in_progress_on_host(session, host):
                try:
                    instance = db_instances.get(session, migration['instance_uuid'])
                except exception.InstanceNotFound:
                    continue
                action = db_actions.latest_action(session, instance['uuid'])
                result.append({'migration': _migration_primitive(migration),
                               'instance': objects.instance_to_primitive(instance),
                               'request_id': action['request_id'] if action else None})
        return result


def _migration_primitive(migration):
    return {key: migration[key] for key in
            ('id', 'uuid', 'migration_type', 'status', 'source_compute', 'source_node',
             'dest_compute', 'dest_node', 'old_flavor', 'new_flavor', 'old_vm_state')}


