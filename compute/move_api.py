"""The compute API's moves: resize, cold migrate (admin), confirmResize, revertResize.

Guards (lock, Nova's allowed states) here; the state change, the scheduler's pick and
claim, the migration record, the action and the cast are one transaction of the store
(api/db/resize_store.py). A request the scheduler cannot place changes nothing but is
recorded: its action, a failed ``conductor_migrate_server`` event and a fault, as Nova.
Mixed into ComputeAPI.
"""

from cepheid.common import exception
from cepheid.compute import actions


class MoveAPI:
    """Needs ``store``, ``_guard`` (lock and state checks) and ``_current_task_state``."""

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
