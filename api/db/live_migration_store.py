"""The api side of live migration: each request is one transaction.

``begin_live_migration`` CASes the instance to ``migrating``, lets the scheduler pick and
claim a destination (the source excluded), records the migration (``accepted``) and the
action, and writes the ``live_migration`` cast to the source into the outbox.
``signal_live_migration`` records an abort or a force-complete and casts it to the
source. Mixed into InstanceStore.
"""

from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import resize_store
from cepheid.api.scheduler import manager as scheduler
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import rpcapi as compute_rpcapi

CONDUCTOR_EVENT = 'conductor_live_migrate_instance'


class LiveMigrationStore:
    """Needs ``db``, ``outbox``, ``service_down_time`` and InstanceStore's
    ``_record_action`` / ``_submit``."""

    def begin_live_migration(self, context, uuid, *, host=None, block_migration=None,
                             forced=False):
        """Returns (instance, migration); NoValidHost leaves nothing changed. ``forced``:
        ``host`` is claimed without the scheduler's filters (Nova's ``force``)."""
        queued = []
        with self.db.transaction() as session:
            instance = db_instances.update(
                session, uuid, {'task_state': states.MIGRATING}, expected_task_state=[None],
                expected_vm_state=[states.ACTIVE, states.PAUSED])
            flavor = {key: instance[key] for key in resize_store.FLAVOR_FIELDS}
            dest = scheduler.move_destination(session, instance, flavor, host, forced=forced,
                                              service_down_time=self.service_down_time)
            flavor_id = resize_store.flavor_db_id(session, flavor['flavor_id'])
            migration = db_migrations.create(session, {
                'instance_uuid': uuid, 'migration_type': 'live-migration',
                'status': 'accepted',
                'source_compute': instance['host'], 'source_node': instance['node'],
                'dest_compute': dest, 'dest_node': dest, 'dest_host': dest,
                'old_instance_type_id': flavor_id, 'new_instance_type_id': flavor_id,
                'old_flavor': flavor, 'new_flavor': flavor,
                'old_vm_state': instance['vm_state'],
                'user_id': context.user_id, 'project_id': context.project_id})
            self._record_action(session, context, uuid, 'live-migration', CONDUCTOR_EVENT)
            queued.append(self.outbox.add(session, context, compute_rpcapi.live_migration(
                instance, migration, block_migration=block_migration)))
        self._submit(queued)
        return instance, migration

    def signal_live_migration(self, context, uuid, migration_id, *, statuses, what, spec):
        """Abort or force-complete migration ``migration_id`` of ``uuid`` (one of
        ``statuses``): the action recorded, ``spec.rpc_method`` cast to the source."""
        queued = []
        with self.db.transaction() as session:
            try:
                migration = db_migrations.get(session, int(migration_id))
            except (ValueError, exception.MigrationNotFound):
                migration = None
            if migration is None or migration['instance_uuid'] != uuid:
                raise exception.MigrationNotFoundForInstance(migration_id=migration_id,
                                                             instance_id=uuid)
            if migration['status'] not in statuses:
                raise exception.InvalidMigrationState(
                    migration_id=migration_id, instance_uuid=uuid,
                    state=migration['status'], method=what)
            instance = db_instances.get(session, uuid)
            self._record_action(session, context, uuid, spec.action, None)
            queued.append(self.outbox.add(session, context, compute_rpcapi.live_migration_control(
                instance, migration, spec.rpc_method)))
        self._submit(queued)
        return migration
