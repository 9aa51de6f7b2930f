"""Compute API used by the api service: lock and state guards, CAS, action record, cast.

It runs in the api process. Persistence is handed in (an ``InstanceStore`` of the api
service), so this module imports neither Flask nor the database.
"""

import collections
import uuid as uuidlib

from oslo_log import log as logging
from oslo_utils import timeutils

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import actions
from cepheid.compute import live_migration_api
from cepheid.compute import move_api
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)
# Nova's check_instance_state of update_instance_metadata / delete_instance_metadata.
METADATA_VM_STATES = (states.ACTIVE, states.PAUSED, states.SUSPENDED, states.STOPPED)
# The instance action Nova records for a power-update event, by its tag.
POWER_UPDATE_ACTIONS = {'POWER_ON': actions.POWER_ACTIONS['os-start'].action,
                        'POWER_OFF': actions.POWER_ACTIONS['os-stop'].action}


def check_instance_lock(context, instance):
    """Non-admins may not act on a locked instance."""
    if instance['locked'] and not context.is_admin:
        raise exception.InstanceIsLocked(instance_uuid=instance['uuid'])


def check_instance_state(instance, spec, method):
    """Raise InstanceInvalidState unless the instance is in one of ``spec``'s states."""
    if instance['vm_state'] not in spec.vm_states:
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance['uuid'], attr='vm_state',
            state=instance['vm_state'])
    if instance['task_state'] not in spec.task_states:
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance['uuid'], attr='task_state',
            state=instance['task_state'])
    if spec.needs_launched and instance['launched_at'] is None:
        # Nova's must_have_launched: an instance that never ran cannot be acted on.
        raise exception.InstanceInvalidState(
            method=method, instance_uuid=instance['uuid'], attr='vm_state',
            state=instance['vm_state'])


class ComputeAPI(move_api.MoveAPI, live_migration_api.LiveMigrationAPI):
    """Every cast goes through the store's transactional outbox (``cast=`` a builder of
    compute.rpcapi taking the updated instance); none is sent from here. Only the two RPC
    calls (changePassword, os-getConsoleOutput) use ``rpcapi`` directly."""

    def __init__(self, store, *, notifier=None, rpcapi=None):
        self.store = store
        self.notifier = notifier
        # Only for the RPC *calls* (changePassword, the console log), which answer.
        self.rpcapi = rpcapi

    @staticmethod
    def _guard(context, instance, spec, method):
        check_instance_lock(context, instance)
        check_instance_state(instance, spec, method)

    def _begin(self, context, instance, spec, method, cast, **values):
        """Guard, then CAS task_state (and ``values``), record the action and write
        ``cast`` to the outbox, in one transaction. The cast leaves for the compute after
        commit, without this request waiting on the broker."""
        check_instance_lock(context, instance)
        check_instance_state(instance, spec, method)
        try:
            return self.store.begin_task(
                context, instance['uuid'], values={'task_state': spec.task_state, **values},
                expected_task_state=spec.task_states, expected_vm_state=spec.vm_states,
                action=spec.action, cast=cast)
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState):
            # Another request changed the instance since we read it: a 409, not a 500.
            raise exception.InstanceInvalidState(
                method=method, instance_uuid=instance['uuid'], attr='task_state',
                state=self._current_task_state(context, instance)) from None

    def _current_task_state(self, context, instance):
        try:
            return self.store.get_task_state(instance['uuid'])
        except exception.InstanceNotFound:
            raise exception.InstanceNotFound(instance_id=instance['uuid']) from None

    def _begin_owned(self, context, uuid, spec, cast):
        """``_begin`` on the caller's own instance (its project and user) with the lock,
        state and launched checks in the CAS, no read first: True when it began, False on
        a miss, with nothing written (the caller then takes the full path, whose read
        gives the 404, 403 or 409)."""
        return self.store.begin_owned_task(
            context, uuid, values={'task_state': spec.task_state},
            expected_task_state=spec.task_states, expected_vm_state=spec.vm_states,
            unlocked=not context.is_admin, launched=spec.needs_launched,
            action=spec.action, cast=cast) is not None

    @staticmethod
    def _reboot_plan(reboot_type):
        """The reboot's spec and its cast builder, by type (InvalidRebootType)."""
        reboot_type = reboot_type.upper()
        if reboot_type not in actions.REBOOT:
            raise exception.InvalidRebootType(reboot_type=reboot_type)
        return actions.REBOOT[reboot_type], compute_rpcapi.reboot_cast(reboot_type)

    def reboot(self, context, instance, reboot_type):
        spec, cast = self._reboot_plan(reboot_type)
        return self._begin(context, instance, spec, 'reboot', cast)

    def reboot_owned(self, context, uuid, reboot_type):
        """``reboot`` of the caller's own instance by uuid (``_begin_owned``)."""
        spec, cast = self._reboot_plan(reboot_type)
        return self._begin_owned(context, uuid, spec, cast)

    @staticmethod
    def _power_plan(name, kwargs):
        spec = actions.TABLE_ACTIONS[name]
        return spec, compute_rpcapi.power_action_cast(spec.rpc_method, **kwargs)

    def power_action(self, context, instance, name, **kwargs):
        """Run one of the table's actions (``os-start``, ``pause``, ``rescue``, ...);
        ``kwargs`` are the entry's ``driver_args``."""
        spec, cast = self._power_plan(name, kwargs)
        return self._begin(context, instance, spec, spec.action, cast)

    def power_action_owned(self, context, uuid, name, **kwargs):
        """``power_action`` on the caller's own instance by uuid (``_begin_owned``)."""
        spec, cast = self._power_plan(name, kwargs)
        return self._begin_owned(context, uuid, spec, cast)

    def rebuild(self, context, instance, *, image_ref, values, preserve_ephemeral=False,
                admin_password=None):
        """Save the new image and the request's fields with the ``rebuilding`` CAS, cast."""
        return self._begin(
            context, instance, actions.REBUILD, 'rebuild',
            lambda inst: compute_rpcapi.rebuild_instance(
                inst, preserve_ephemeral=preserve_ephemeral, admin_password=admin_password),
            **values, image_ref=image_ref)

    def set_admin_password(self, context, instance, password):
        """changePassword: a call, so the driver's refusal (409) reaches the client."""
        spec = actions.CHANGE_PASSWORD
        instance = self._begin(context, instance, spec, spec.action, None)
        self.rpcapi.set_admin_password(context, instance, password)

    def get_console_output(self, context, instance, tail_length=None):
        """The console log's last ``tail_length`` lines, read by the instance's compute."""
        if not instance['host']:
            raise exception.InstanceNotReady(instance_id=instance['uuid'])
        if instance['task_state'] == states.DELETING:
            raise exception.InstanceInvalidState(
                method='get_console_output', instance_uuid=instance['uuid'],
                attr='task_state', state=instance['task_state'])
        return self.rpcapi.get_console_output(context, instance, tail_length)

    def get_diagnostics(self, context, instance, *, standardized):
        """The guest's diagnostics from its compute: Nova's 2.48 shape when
        ``standardized``, else the driver's own dict. 409 without a host."""
        if not instance['host']:
            raise exception.InstanceNotReady(instance_id=instance['uuid'])
        if standardized:
            return self.rpcapi.get_instance_diagnostics(context, instance)
        return self.rpcapi.get_diagnostics(context, instance)

    def get_host_uptime(self, context, host):
        return self.rpcapi.get_host_uptime(context, host)

    def lock(self, context, instance, reason=None):
        """Lock the instance; ``locked_by`` is owner or admin by project. API-only, no RPC."""
        is_owner = context.project_id == instance['project_id']
        if instance['locked'] and is_owner:
            return instance     # the owner re-locking is a no-op, as in Nova
        values = {'locked': True, 'locked_by': 'owner' if is_owner else 'admin'}
        if reason:
            # As in Nova, an admin taking over a lock without a reason keeps the old one.
            values['locked_reason'] = reason
        return self._api_only(context, instance, values, 'lock')

    def unlock(self, context, instance):
        """Unlock; the handler checks ``unlock_override`` for a lock held by the other side."""
        values = {'locked': False, 'locked_by': None, 'locked_reason': None}
        return self._api_only(context, instance, values, 'unlock')

    def _api_only(self, context, instance, values, action):
        instance = self.store.update_with_action(context, instance['uuid'], values,
                                                 action=action, event=f'api_{action}')
        self._notify(context, instance, action, legacy=False)
        return instance

    def _delete_locally(self, context, instance):
        """Nova's local delete: no compute to ask; ``instance.delete.*`` from the api."""
        LOG.info('Deleting instance %s locally: its host is gone', instance['uuid'])
        self._notify(context, dict(instance, task_state=states.DELETING), 'delete', 'start')
        self.store.delete_local(context, instance['uuid'])
        now = timeutils.utcnow()
        self._notify(context, dict(instance, vm_state=states.DELETED, task_state=None,
                                   deleted_at=now, terminated_at=now, updated_at=now),
                     'delete', 'end')

    def _notify(self, context, instance, action, phase=None, **kwargs):
        if self.notifier is not None:
            self.notifier.notify(context, instance, action, phase, **kwargs)

    def create(self, context, *, name, flavor, image_ref=None, host=None, description=None,
               metadata=None, availability_zone=None, extra=None, group=None):
        """Record a new instance on ``host`` (or the scheduler's choice) and build it.

        ``extra``: more instance columns recorded as given (uuid, access IPs, reservation
        id and launch index, hostname). ``group``: the uuid of the server group it joins
        (the scheduler honours its policy).
        """
        if host is not None and not self.store.compute_host_known(host):
            raise exception.InvalidServerHost(host=host)
        values = {
            'uuid': str(uuidlib.uuid4()), 'display_name': name, 'description': description,
            'project_id': context.project_id, 'user_id': context.user_id, 'host': host,
            'node': host, 'availability_zone': availability_zone, 'image_ref': image_ref,
            'flavor_id': flavor['flavorid'], 'flavor_name': flavor['name'],
            'vcpus': flavor['vcpus'], 'memory_mb': flavor['memory_mb'],
            'root_gb': flavor['root_gb'], 'ephemeral_gb': flavor['ephemeral_gb'],
            'swap': flavor['swap'], 'flavor_extra_specs': dict(flavor.get('extra_specs') or {}),
            'meta': metadata or {}, 'power_state': states.NOSTATE,
            'vm_state': states.BUILDING, 'task_state': states.SPAWNING,
        }
        values.update(extra or {})
        # The scheduler claims the flavor on a host in the instance's own transaction.
        return self.store.create_scheduled(context, values, flavor=flavor, requested_host=host,
                                           cast=compute_rpcapi.build_and_run_instance,
                                           group=group)

    def update_instance(self, context, instance, values):
        """PUT /servers/{id}: save ``values`` (name, description, access IPs, hostname).

        As in Nova, no lock or state check and no instance action.
        """
        if not values:
            return instance
        return self.store.update(instance['uuid'], values)

    def update_instance_metadata(self, context, instance, change, *, method):
        """Apply ``change`` (old metadata → new) as Nova's update/delete_instance_metadata:
        refused on a locked server (but to an admin) and unless ACTIVE, PAUSED, SUSPENDED or
        STOPPED with no task; ``method`` names the operation in the 409."""
        check_instance_lock(context, instance)
        for attr, allowed in (('vm_state', METADATA_VM_STATES), ('task_state', (None,))):
            if instance[attr] not in allowed:
                raise exception.InstanceInvalidState(
                    method=method, instance_uuid=instance['uuid'], attr=attr,
                    state=instance[attr])
        return self.store.update_metadata(instance['uuid'], change,
                                          vm_states=METADATA_VM_STATES)

    def delete(self, context, instance):
        """Delete: cast to the compute when its host is up, else delete locally. A move in
        progress ends on the way (api/db/delete_store.py): a resized instance's is
        confirmed (Nova's _confirm_resize_on_deleting), a live migration aborted."""
        check_instance_lock(context, instance)
        if instance['task_state'] == states.DELETING:
            return
        if not instance['host'] or not self.store.host_is_up(instance['host']):
            self._delete_locally(context, instance)
            return
        spec = actions.DELETE
        self.store.begin_delete(
            context, instance['uuid'], values={'task_state': spec.task_state},
            expected_task_state=spec.task_states, action=spec.action,
            cast=compute_rpcapi.terminate_instance)

    # -- deferred delete ([DEFAULT] reclaim_instance_interval > 0) ------------------------
    def soft_delete(self, context, instance, *, now):
        """Power the guest off and keep the instance as soft-deleted (reclaimed later).

        An instance that never ran is InstanceInvalidState (the caller deletes it for good,
        as Nova does); one already soft-deleted (or on its way) is left as it is; one whose
        host is gone is deleted locally.
        """
        check_instance_lock(context, instance)
        if instance['vm_state'] == states.SOFT_DELETED or \
                instance['task_state'] in (states.SOFT_DELETING, states.DELETING):
            return instance
        spec = actions.SOFT_DELETE
        if instance['launched_at'] is None:
            raise exception.InstanceInvalidState(
                method='soft_delete', instance_uuid=instance['uuid'], attr='vm_state',
                state=instance['vm_state'])
        if not instance['host'] or not self.store.host_is_up(instance['host']):
            self.delete(context, instance)
            return instance
        return self._begin(context, instance, spec, 'delete',
                           lambda inst: compute_rpcapi.run_power_action(inst, spec.rpc_method),
                           deleted_at=now)

    def restore(self, context, instance):
        """Bring a soft-deleted instance back: power on through its compute, or, with no
        live host, straight back to active."""
        spec = actions.RESTORE
        if instance['host'] and self.store.host_is_up(instance['host']):
            return self._begin(
                context, instance, spec, spec.action,
                lambda inst: compute_rpcapi.run_power_action(inst, spec.rpc_method),
                deleted_at=None)
        check_instance_lock(context, instance)
        check_instance_state(instance, spec, spec.action)
        return self.store.update_with_action(
            context, instance['uuid'], {'vm_state': states.ACTIVE, 'task_state': None,
                                        'deleted_at': None}, action=spec.action, event=None)

    def force_delete(self, context, instance):
        """Delete now, soft-deleted or not (Nova: any vm_state, no task in progress)."""
        check_instance_lock(context, instance)
        if instance['task_state'] is not None:
            raise exception.InstanceInvalidState(
                method='forceDelete', instance_uuid=instance['uuid'], attr='task_state',
                state=instance['task_state'])
        self.delete(context, instance)

    # -- os-server-external-events ----------------------------------------------------
    def external_instance_event(self, context, instances, events):
        """Send ``events`` (dicts: instance_uuid, name, status, tag) to the hosts of their
        ``instances``, one cast per host, as Nova's compute API. As Nova, a power-update
        records a ``start``/``stop`` action (an unknown tag: the event is skipped with a
        warning), a volume-extended an ``extend_volume`` one; no other event does."""
        by_uuid = {i['uuid']: i for i in instances}
        recorded, per_host = [], collections.defaultdict(dict)
        for event in events:
            instance = by_uuid[event['instance_uuid']]
            if event['name'] == 'power-update':
                action = POWER_UPDATE_ACTIONS.get(event.get('tag'))
                if action is None:
                    LOG.warning('Invalid power state %s. Cannot process the event %s. '
                                'Skipping it.', event.get('tag'), event)
                    continue
                recorded.append((instance['uuid'], action))
            elif event['name'] == 'volume-extended':
                recorded.append((instance['uuid'], 'extend_volume'))
            host = per_host[instance['host']]
            host.setdefault(instance['uuid'], (instance, []))[1].append(event)
        casts = [compute_rpcapi.external_instance_event(
                     host, [inst for inst, _ in pairs.values()],
                     [e for _, evs in pairs.values() for e in evs])
                 for host, pairs in per_host.items()]
        self.store.cast_with_actions(context, casts=casts,
                                     actions=list(dict.fromkeys(recorded)))

    # -- admin actions -----------------------------------------------------------------
    def reset_state(self, context, instance, vm_state):
        """os-resetState: set vm_state, clear task_state (no guard: the cure for a stuck
        task), recorded as a ``reset_state`` action."""
        return self.store.update_with_action(
            context, instance['uuid'], {'vm_state': vm_state, 'task_state': None},
            action='reset_state', event=None)

    def inject_network_info(self, context, instance):
        """injectNetworkInfo: Cepheid has no network service, so a guest has no network
        info to inject; as in Nova, a locked instance is refused."""
        check_instance_lock(context, instance)
