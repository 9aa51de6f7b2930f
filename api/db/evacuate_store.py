"""The api side of evacuate: one transaction CASes the instance to ``rebuilding``, records
the ``evacuate`` action with its ``conductor_rebuild_server`` event, lets the scheduler
pick and claim a destination other than the source (or claims the forced host), records
the ``evacuation`` migration (``accepted``) and writes the ``rebuild_instance`` cast (an
evacuation: ``recreate``) to the destination into the outbox. Mixed into InstanceStore.
"""

from cepheid.api.db import actions as db_actions
from cepheid.api.db import evacuations as db_evacuations
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import resize_store
from cepheid.api.scheduler import manager as scheduler
from cepheid.common import states
from cepheid.compute import rpcapi as compute_rpcapi

# Nova's check_instance_state of evacuate.
EVACUABLE = (states.ACTIVE, states.STOPPED, states.ERROR)
EVENT = 'conductor_rebuild_server'



def _migration_values(session, context, instance, flavor, dest, status):
    flavor_id = resize_store.flavor_db_id(session, flavor['flavor_id'])
    return {'instance_uuid': instance['uuid'], 'migration_type': db_evacuations.TYPE,
            'status': status, 'source_compute': instance['host'],
            'source_node': instance['node'], 'dest_compute': dest, 'dest_node': dest,
            'dest_host': dest, 'old_instance_type_id': flavor_id,
            'new_instance_type_id': flavor_id, 'old_flavor': flavor, 'new_flavor': flavor,
            'old_vm_state': instance['vm_state'], 'user_id': context.user_id,
            'project_id': context.project_id}


class EvacuateStore:
    """Needs ``db``, ``outbox``, ``service_down_time`` and InstanceStore's
    ``_record_action`` / ``_submit``."""

    def begin_evacuate(self, context, uuid, *, host=None, force=None, admin_password=None,
                       on_shared_storage=None):
        """Returns ``(instance, migration)``; NoValidHost leaves nothing changed."""
        queued = []
        with self.db.transaction() as session:
            source = db_instances.get(session, uuid)
            instance = db_instances.update(
                session, uuid, {'task_state': states.REBUILDING}, expected_task_state=[None],
                expected_vm_state=list(EVACUABLE), expected_host=source['host'])
            flavor = {key: instance[key] for key in resize_store.FLAVOR_FIELDS}
            # Nova: a host given with force (2.29-2.67), or before 2.29, skips the filters.
            dest = scheduler.move_destination(
                session, instance, flavor, host, forced=host is not None and force is not False,
                service_down_time=self.service_down_time)
            migration = db_migrations.create(session, _migration_values(
                session, context, instance, flavor, dest, db_evacuations.ACCEPTED))
            self._record_action(session, context, uuid, 'evacuate', EVENT)
            queued.append(self.outbox.add(session, context, compute_rpcapi.evacuate_instance(
                instance, migration, admin_password=admin_password,
                on_shared_storage=on_shared_storage)))
        self._submit(queued)
        return instance, migration

    def record_failed_evacuate(self, context, uuid, *, message):
        """Nova's conductor could not place the evacuation (after the API's 200): the
        server ERROR with the fault, the migration ``error``, the event failed."""
        with self.db.transaction() as session:
            before = db_instances.get(session, uuid)
            instance = db_instances.update(
                session, uuid, {'vm_state': states.ERROR, 'task_state': None},
                expected_task_state=[None], expected_vm_state=list(EVACUABLE))
            flavor = {key: instance[key] for key in resize_store.FLAVOR_FIELDS}
            db_migrations.create(session, _migration_values(
                session, context, before, flavor, None, db_evacuations.ERROR))
            self._record_action(session, context, uuid, 'evacuate', None)
            kwargs = dict(instance_uuid=uuid, request_id=context.request_id, event=EVENT,
                          host=None)
            db_actions.event_start(session, **kwargs)
            db_actions.event_finish(session, result='Error', traceback=message, **kwargs)
            db_actions.fault_create(session, instance_uuid=uuid, code=500, message=message)
        return instance
