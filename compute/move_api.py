"""The compute API's moves: resize, cold migrate (admin), confirmResize, revertResize,
evacuate (admin).

Guards (lock, Nova's allowed states) here; the state change, the scheduler's pick and
claim, the migration record, the action and the cast are one transaction of the store
(api/db/resize_store.py). A request the scheduler cannot place changes nothing but is
recorded: its action, a failed ``conductor_migrate_server`` event and a fault, as Nova.
Mixed into ComputeAPI.
"""

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import actions

# Nova's check_instance_state of evacuate (no lock check: an admin action).
EVACUABLE = (states.ACTIVE, states.STOPPED, states.ERROR)


class MoveAPI:
    """Needs ``store``, ``_guard`` (lock and state checks), ``_current_task_state`` and
    ``_notify``."""

    def resize(self, context, instance, new_flavor):
        """Resize to ``new_flavor`` (a db.flavors row); NoValidHost when no host fits."""
        self._guard(context, instance, actions.RESIZE, 'resize')
        if new_flavor['flavorid'] == instance['flavor_id']:
            raise exception.CannotResizeToSameFlavor()
        if not new_flavor['root_gb'] and instance['root_gb']:
            raise exception.CannotResizeDisk(
                reason='Resize to zero disk flavor is not allowed.')
        return self._move(context, instance, new_flavor=new_flavor,
                          migration_type='resize', action='resize')

    def migrate(self, context, instance, *, host=None):
        """Cold migrate to another host (or ``host``, 2.56); NoValidHost when none fits."""
        self._guard(context, instance, actions.MIGRATE, 'migrate')
        if host is not None:
            if not self.store.compute_host_known(host):
                raise exception.ComputeHostNotFound(host=host)
            if host == instance['host']:
                raise exception.CannotMigrateToSameHost()
        return self._move(context, instance, new_flavor=None, migration_type='migration',
                          action='migrate', host=host)

    def _move(self, context, instance, *, action, **kwargs):
        try:
            instance, _ = self.store.begin_move(context, instance['uuid'], action=action,
                                                **kwargs)
        except exception.NoValidHost as exc:
            self.store.record_failed_move(context, instance['uuid'], action=action,
                                          message=exc.format_message())
            raise
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState):
            raise exception.InstanceInvalidState(
                method=action, instance_uuid=instance['uuid'], attr='task_state',
                state=self._current_task_state(context, instance)) from None
        return instance

    def confirm_resize(self, context, instance):
        self._guard(context, instance, actions.CONFIRM_RESIZE, 'confirmResize')
        self._finish_move(context, instance, self.store.begin_confirm, 'confirmResize')

    def revert_resize(self, context, instance):
        self._guard(context, instance, actions.REVERT_RESIZE, 'revertResize')
        self._finish_move(context, instance, self.store.begin_revert, 'revertResize')

    def _finish_move(self, context, instance, begin, method):
        try:
            begin(context, instance['uuid'])
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState,
                exception.MigrationStatusConflict):
            raise exception.InstanceInvalidState(
                method=method, instance_uuid=instance['uuid'], attr='task_state',
                state=self._current_task_state(context, instance)) from None

    def evacuate(self, context, instance, *, host=None, force=None, admin_password=None,
                 on_shared_storage=None):
        """Rebuild the instance of a failed host on another one, from its DB record (Nova's
        evacuate): its source compute must be down (else ComputeServiceInUse). As in
        Nova, a placement that fails answers nothing different: the server ends ERROR
        with the fault."""
        if host is not None:
            if not self.store.compute_host_known(host):
                raise exception.ComputeHostNotFound(host=host)
            if host == instance['host']:
                raise exception.CannotMigrateToSameHost()
        for attr, allowed in (('vm_state', EVACUABLE), ('task_state', (None,))):
            if instance[attr] not in allowed:
                raise exception.InstanceInvalidState(
                    method='evacuate', instance_uuid=instance['uuid'], attr=attr,
                    state=instance[attr])
        if self.store.host_is_up(instance['host']):
            raise exception.ComputeServiceInUse(host=instance['host'])
        try:
            evacuating, _ = self.store.begin_evacuate(
                context, instance['uuid'], host=host, force=force,
                admin_password=admin_password, on_shared_storage=on_shared_storage)
        except exception.NoValidHost as exc:
            self._notify(context, dict(instance, task_state=states.REBUILDING), 'evacuate')
            self.store.record_failed_evacuate(context, instance['uuid'],
                                              message=exc.format_message())
            return instance
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState,
                exception.HostMismatch):
            raise exception.InstanceInvalidState(
                method='evacuate', instance_uuid=instance['uuid'], attr='task_state',
                state=self._current_task_state(context, instance)) from None
        self._notify(context, evacuating, 'evacuate')
        return evacuating
