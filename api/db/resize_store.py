"""The api side of resize and cold migration: each request is one transaction.

``begin_move`` CASes the instance to ``resize_prep``, lets the scheduler pick and claim a
destination for the new flavor, records the migration (``pre-migrating``) and the action,
and writes the ``prep_resize`` cast to the destination into the outbox. ``begin_confirm``
and ``begin_revert`` move a ``finished`` migration on (``confirming`` / ``reverting``) and
cast to the source / destination. Mixed into InstanceStore.
"""

from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import flavors as db_flavors
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.scheduler import manager as scheduler
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import rpcapi as compute_rpcapi

# An instance's flavor columns: a migration keeps the old and the new set.
FLAVOR_FIELDS = ('flavor_id', 'flavor_name', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb',
                 'swap', 'flavor_extra_specs')
MOVE_EVENT = 'conductor_migrate_server'


def flavor_fields(flavor):
    """The instance columns of a flavor row (db.flavors)."""
    return {'flavor_id': flavor['flavorid'], 'flavor_name': flavor['name'],
            'vcpus': flavor['vcpus'], 'memory_mb': flavor['memory_mb'],
            'root_gb': flavor['root_gb'], 'ephemeral_gb': flavor['ephemeral_gb'],
            'swap': flavor['swap'],
            'flavor_extra_specs': dict(flavor.get('extra_specs') or {})}


def release_claim(session, host, flavor):
    """Give back ``flavor``'s (instance columns) claim on ``host``."""
    if host and flavor:
        db_nodes.release(session, host=host, vcpus=int(flavor['vcpus']),
                         memory_mb=int(flavor['memory_mb']),
                         disk_gb=db_nodes.instance_disk_gb(flavor))


def flavor_db_id(session, flavorid):
    try:
        return db_flavors.get(session, flavorid)['id']
    except exception.FlavorNotFound:
        return None     # the flavor was deleted since the instance got it


class ResizeStore:
    """Needs ``db``, ``outbox``, ``service_down_time``, ``allow_resize_to_same_host`` and
    InstanceStore's ``_record_action`` / ``_submit``."""

    def begin_move(self, context, uuid, *, new_flavor, migration_type, action, host=None):
        """Resize (``new_flavor``: a db.flavors row) or cold migrate (None: same flavor;
        ``host``: the requested destination). NoValidHost leaves nothing changed."""
        queued = []
        with self.db.transaction() as session:
            old_vm_state = db_instances.get(session, uuid)['vm_state']
            instance = db_instances.update(
                session, uuid, {'task_state': states.RESIZE_PREP},
                expected_task_state=[None], expected_vm_state=[states.ACTIVE, states.STOPPED])
            old = {key: instance[key] for key in FLAVOR_FIELDS}
            new = flavor_fields(new_flavor) if new_flavor is not None else dict(old)
            same_host = migration_type == 'resize' and self.allow_resize_to_same_host
            spec = scheduler.RequestSpec.for_flavor(
                new, service_down_time=self.service_down_time, host=host,
                ignore_hosts=() if same_host else (instance['host'],),
                availability_zone=instance['availability_zone'])
            dest = scheduler.select_destination(session,
                                                scheduler.for_move(session, spec, instance))
            old_id = flavor_db_id(session, old['flavor_id'])
            migration = db_migrations.create(session, {
                'instance_uuid': uuid, 'migration_type': migration_type,
                'status': db_migrations.PRE_MIGRATING,
                'source_compute': instance['host'], 'source_node': instance['node'],
                'dest_compute': dest, 'dest_node': dest, 'dest_host': dest,
                'old_instance_type_id': old_id,
                'new_instance_type_id': new_flavor['id'] if new_flavor else old_id,
                'old_flavor': old, 'new_flavor': new, 'old_vm_state': old_vm_state,
                'user_id': context.user_id, 'project_id': context.project_id})
            self._record_action(session, context, uuid, action, MOVE_EVENT)
            queued.append(self.outbox.add(session, context,
                                          compute_rpcapi.prep_resize(instance, migration)))
        self._submit(queued)
        return instance, migration

    def _finished_migration(self, session, uuid):
        migration = db_migrations.get_by_instance(session, uuid,
                                                  statuses=(db_migrations.FINISHED,))
        if migration is None:
            raise exception.MigrationNotFoundByStatus(instance_id=uuid,
                                                      status=db_migrations.FINISHED)
        return migration

    def begin_confirm(self, context, uuid, *, action='confirmResize'):
        """finished → confirming; cast confirm_resize to the source host."""
        queued = []
        with self.db.transaction() as session:
            instance = db_instances.get(session, uuid)
            migration = self._finished_migration(session, uuid)
            migration = db_migrations.update(
                session, migration['id'], {'status': db_migrations.CONFIRMING},
                expected_status=(db_migrations.FINISHED,))
            self._record_action(session, context, uuid, action, None)
            queued.append(self.outbox.add(session, context, compute_rpcapi.move_cast(
                instance, migration, 'confirm_resize', migration['source_compute'])))
        self._submit(queued)
        return migration

    def begin_revert(self, context, uuid):
        """finished → reverting, task_state resize_reverting; cast revert_resize to the
        destination (the instance's host)."""
        queued = []
        with self.db.transaction() as session:
            migration = self._finished_migration(session, uuid)
            instance = db_instances.update(
                session, uuid, {'task_state': states.RESIZE_REVERTING},
                expected_task_state=[None], expected_vm_state=[states.RESIZED])
            migration = db_migrations.update(
                session, migration['id'], {'status': db_migrations.REVERTING},
                expected_status=(db_migrations.FINISHED,))
            self._record_action(session, context, uuid, 'revertResize', None)
            queued.append(self.outbox.add(session, context, compute_rpcapi.move_cast(
                instance, migration, 'revert_resize', migration['dest_compute'])))
        self._submit(queued)
        return migration

    def record_failed_move(self, context, uuid, *, action, message):
        """A resize or migrate the scheduler refused: action, failed event, fault."""
        self.record_failed_action(context, uuid, action=action, event=MOVE_EVENT,
                                  message=message)
