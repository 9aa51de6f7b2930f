"""The write side used by compute.api in the api process: each step is one transaction.

compute.api is handed an InstanceStore (it may not import the DB itself), so a guarded
state change, its instance-action record and the cast to the compute (an outbox row, see
api/outbox.py) commit together; the cast is handed to the outbox's sender after commit.
"""

from cepheid.api.db import actions as db_actions
from cepheid.api.db import delete_store
from cepheid.api.db import evacuate_store
from cepheid.api.db import fused_steps
from cepheid.api.db import instances as db_instances
from cepheid.api.db import live_migration_store
from cepheid.api.db import resize_store
from cepheid.api.db import server_groups as db_groups
from cepheid.api.db import services as db_services
from cepheid.api.scheduler import manager as scheduler
from cepheid.common import exception
from cepheid.compute import rpcapi as compute_rpcapi

COMPUTE_BINARY = 'cepheid-compute'


class InstanceStore(resize_store.ResizeStore, evacuate_store.EvacuateStore,
                    live_migration_store.LiveMigrationStore, delete_store.DeleteStore):
    def __init__(self, database, *, service_down_time, outbox=None,
                 allow_resize_to_same_host=False):
        self.db = database
        self.service_down_time = service_down_time
        self.outbox = outbox
        self.allow_resize_to_same_host = allow_resize_to_same_host

    def _queue_cast(self, session, context, cast, instance, queued):
        """Write the cast ``cast(instance)`` (a compute.rpcapi.Cast builder) to the outbox."""
        if cast is not None:
            queued.append(self.outbox.add(session, context, cast(instance)))

    def _submit(self, queued):
        if queued:
            self.outbox.submit(queued)

    def begin_task(self, context, uuid, *, values, expected_task_state,
                   expected_vm_state=db_instances.UNSET, action=None, event=None, cast=None):
        """CAS the instance to ``values``, record the instance action (and an API event)
        and write ``cast(instance)`` to the outbox — one transaction."""
        queued = []
        with self.db.core_transaction() as session:   # Core statements (the REST hot path)
            instance = db_instances.update(session, uuid, values,
                                           expected_task_state=expected_task_state,
                                           expected_vm_state=expected_vm_state)
            if action:
                self._record_action(session, context, uuid, action, event)
            self._queue_cast(session, context, cast, instance, queued)
        self._submit(queued)
        return instance

    def begin_owned_task(self, context, uuid, *, values, expected_task_state,
                         expected_vm_state, unlocked, launched, action, cast):
        """``begin_task`` on an instance of the caller's own project and user, with the
        REST checks in the CAS (db_instances.update_owned); None, and nothing written, on
        a miss."""
        queued = []
        owner = (context.project_id, context.user_id)
        # The CAS, the action and the outbox row as one statement: it may commit alone.
        with_cast = (self.db.fused_steps and self.outbox is not None
                     and isinstance(cast, compute_rpcapi.InstanceCast))
        with self.db.core_transaction(alone=with_cast) as session:
            if with_cast:
                claim = self.outbox.claim(context)
                begun = fused_steps.begin_owned_with_cast(
                    session, uuid, values, context=context, action=action, owner=owner,
                    unlocked=unlocked, launched=launched,
                    expected_task_state=expected_task_state,
                    expected_vm_state=expected_vm_state, cast=cast, claim=claim)
                if begun is None:
                    return None
                instance, row_id = begun
                queued.append(self.outbox.written(claim, row_id, cast(instance),
                                                  instance['updated_at']))
            elif fused_steps.usable(session):   # the CAS and the action: one statement
                instance = fused_steps.begin_owned(
                    session, uuid, values, context=context, action=action, owner=owner,
                    unlocked=unlocked, launched=launched,
                    expected_task_state=expected_task_state,
                    expected_vm_state=expected_vm_state)
            else:
                instance = db_instances.update_owned(
                    session, uuid, values, owner=owner, unlocked=unlocked,
                    launched=launched, expected_task_state=expected_task_state,
                    expected_vm_state=expected_vm_state)
                if instance is not None:
                    self._record_action(session, context, uuid, action, None)
            if instance is None:
                return None
            if not with_cast:
                self._queue_cast(session, context, cast, instance, queued)
        self._submit(queued)
        return instance

    def cast_with_actions(self, context, *, casts, actions=()):
        """Record ``actions`` ((instance uuid, action) pairs, no event) and write ``casts``
        (compute.rpcapi.Cast) to the outbox, one transaction."""
        queued = []
        with self.db.transaction() as session:
            for uuid, action in actions:
                self._record_action(session, context, uuid, action, None)
            for cast in casts:
                queued.append(self.outbox.add(session, context, cast))
        self._submit(queued)

    def update(self, uuid, values):
        """Save ``values`` on the live instance ``uuid``; returns it."""
        with self.db.transaction() as session:
            return db_instances.update(session, uuid, values)

    def update_metadata(self, uuid, change, *, vm_states, attempts=5):
        """Save ``change(old metadata)`` as the metadata of ``uuid`` (no task, one of
        ``vm_states``). A compare-and-swap on updated_at: when another writer changed the
        row in between, it is read again and ``change`` re-applied, so no update is lost."""
        for attempt in range(attempts):
            with self.db.transaction() as session:
                current = db_instances.get(session, uuid)
                try:
                    return db_instances.update(
                        session, uuid, {'meta': change(dict(current['meta'] or {}))},
                        expected_updated_at=current['updated_at'],
                        expected_task_state=(None,), expected_vm_state=vm_states)
                except exception.UnexpectedTaskStateError:
                    if attempt == attempts - 1 or current['task_state'] is not None:
                        raise
        return None  # not reached: the last attempt returns or raises

    def update_with_action(self, context, uuid, values, *, action, event):
        """Update without a state guard (API-only actions) and record the action + event."""
        with self.db.transaction() as session:
            instance = db_instances.update(session, uuid, values)
            self._record_action(session, context, uuid, action, event)
        return instance

    def _record_action(self, session, context, uuid, action, event):
        db_actions.action_start(session, instance_uuid=uuid, request_id=context.request_id,
                                action=action, user_id=context.user_id,
                                project_id=context.project_id)
        if event:
            db_actions.event_start(session, instance_uuid=uuid, request_id=context.request_id,
                                   event=event, host=None)
            db_actions.event_finish(session, instance_uuid=uuid,
                                    request_id=context.request_id, event=event, host=None,
                                    result='Success')

    def record_failed_action(self, context, uuid, *, action, event, message):
        """An action whose ``event`` failed before anything changed, and its fault."""
        with self.db.transaction() as session:
            self._record_action(session, context, uuid, action, None)
            kwargs = dict(instance_uuid=uuid, request_id=context.request_id, event=event,
                          host=None)
            db_actions.event_start(session, **kwargs)
            db_actions.event_finish(session, result='Error', traceback=message, **kwargs)
            db_actions.fault_create(session, instance_uuid=uuid, code=500, message=message)

    def create_instance(self, context, values, *, action='create', fault=None, cast=None):
        queued = []
        with self.db.transaction() as session:
            instance = db_instances.create(session, values)
            self._record_action(session, context, instance['uuid'], action, None)
            if fault:
                db_actions.fault_create(session, instance_uuid=instance['uuid'], **fault)
            self._queue_cast(session, context, cast, instance, queued)
        self._submit(queued)
        return instance

    def create_scheduled(self, context, values, *, flavor, cast, requested_host=None,
                         group=None):
        """Pick and claim a host for ``values`` (the scheduler) and record the instance on
        it, one transaction; with no valid host the instance is recorded in ERROR with
        Nova's fault and nothing is cast. ``group``: the server group (uuid) it joins,
        whose policy the scheduler honours."""
        spec = scheduler.RequestSpec.for_flavor(
            flavor, service_down_time=self.service_down_time, host=requested_host,
            availability_zone=values.get('availability_zone'))
        queued = []
        with self.db.transaction() as session:
            if group is not None:
                spec = scheduler.with_group(spec, db_groups.get(session, group),
                                            db_groups.hosts_of_members(session, group))
            try:
                host = scheduler.select_destination(session, spec)
            except exception.NoValidHost as exc:
                values = dict(values, host=None, node=None, vm_state='error', task_state=None)
                fault = {'code': 500, 'message': exc.message}
                cast = None
            else:
                values = dict(values, host=host, node=host)
                fault = None
            instance = db_instances.create(session, values)
            self._record_action(session, context, instance['uuid'], 'create', None)
            if fault:
                db_actions.fault_create(session, instance_uuid=instance['uuid'], **fault)
            self._queue_cast(session, context, cast, instance, queued)
        self._submit(queued)
        return instance

    def delete_local(self, context, uuid, *, action='delete'):
        """Delete an instance whose compute is gone, without the compute (Nova's local delete)."""
        with self.db.transaction() as session:
            self._record_action(session, context, uuid, action, None)
            db_instances.soft_delete(session, uuid)

    def live_compute_hosts(self):
        with self.db.transaction() as session:
            services = db_services.service_list(session, binary=COMPUTE_BINARY)
        return [s['host'] for s in services
                if not s['disabled'] and db_services.is_up(s, self.service_down_time)]

    def compute_hosts(self):
        """Every compute host with a service row, up or down, enabled or not."""
        with self.db.transaction() as session:
            return [s['host'] for s in db_services.service_list(session, binary=COMPUTE_BINARY)]

    def compute_host_known(self, host):
        with self.db.transaction() as session:
            return bool(db_services.service_list(session, binary=COMPUTE_BINARY, host=host))

    def host_is_up(self, host):
        """The compute of ``host`` reports in (disabled or not: a drained host still deletes
        and reboots its instances)."""
        with self.db.transaction() as session:
            services = db_services.service_list(session, binary=COMPUTE_BINARY, host=host)
        return any(db_services.is_up(s, self.service_down_time) for s in services)

    def get_task_state(self, uuid):
        with self.db.transaction() as session:
            return db_instances.get(session, uuid)['task_state']
