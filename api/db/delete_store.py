"""The api side of a delete on the instance's compute: one transaction that ends a move in
progress as Nova does, so no guest is left behind on another host.

``begin_delete`` CASes the instance to ``deleting``, records the action and writes the
``terminate_instance`` cast to its host. Of a resized instance (VERIFY_RESIZE) it also
confirms the move (Nova's ``_confirm_resize_on_deleting``): the ``finished`` migration →
``confirming`` and ``confirm_resize`` cast to the source, which destroys its copy of the
guest. Of a live-migrating one it casts ``live_migration_abort`` to the source, whose copy
then rolls back (the destination drops what it prepared) instead of holding the delete
queued behind it. Either migration ends with the instance (api/db/instances.py
``end_moves``): ``confirmed``, or ``error``. Mixed into InstanceStore.
"""

from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.common import states
from cepheid.compute import rpcapi as compute_rpcapi


class DeleteStore:
    """Needs ``db``, ``outbox`` and InstanceStore's ``_record_action`` / ``_submit``."""

    def begin_delete(self, context, uuid, *, values, expected_task_state, action, cast):
        """InstanceStore.begin_task of a delete, plus the casts that end its move."""
        queued = []
        with self.db.transaction() as session:
            instance = db_instances.update(session, uuid, values,
                                           expected_task_state=expected_task_state)
            self._record_action(session, context, uuid, action, None)
            queued.append(self.outbox.add(session, context, cast(instance)))
            for move_cast in _end_move_casts(session, instance):
                queued.append(self.outbox.add(session, context, move_cast))
        self._submit(queued)
        return instance


def _end_move_casts(session, instance):
    uuid = instance['uuid']
    if instance['vm_state'] == states.RESIZED:
        migration = db_migrations.get_by_instance(session, uuid,
                                                  statuses=(db_migrations.FINISHED,))
        if migration is not None:
            migration = db_migrations.update(
                session, migration['id'], {'status': db_migrations.CONFIRMING},
                expected_status=(db_migrations.FINISHED,))
            return [compute_rpcapi.move_cast(instance, migration, 'confirm_resize',
                                             migration['source_compute'])]
    live = db_migrations.get_by_instance(session, uuid, statuses=db_migrations.LIVE_ACTIVE,
                                         migration_type='live-migration')
    if live is not None:
        return [compute_rpcapi.live_migration_control(instance, live, 'live_migration_abort')]
    return []
