"""The compute API's live migration: os-migrateLive (admin), and the abort and
force-complete of one in progress (DELETE / POST .../migrations/{id}).

Guards (lock, Nova's allowed states) here; the state change, the scheduler's pick and
claim, the migration record, the action and the cast are one transaction of the store
(api/db/live_migration_store.py). Mixed into ComputeAPI.
"""

from cepheid.common import exception
from cepheid.compute import actions

CONDUCTOR_EVENT = 'conductor_live_migrate_instance'
# Nova's migration statuses an abort / a force-complete accepts (an abort: from 2.65
# also queued and preparing).
ABORTABLE = ('running',)
ABORTABLE_265 = ('queued', 'preparing', 'running')
FORCE_COMPLETABLE = ('running',)


class LiveMigrationAPI:
    """Needs ``store``, ``_guard`` and ``_current_task_state``."""

    def live_migrate(self, context, instance, *, host=None, block_migration=None,
                     force=None):
        """To ``host``, or a host the scheduler picks; NoValidHost, ComputeHostNotFound
        and UnableToMigrateToSelf when it cannot go. A host with ``force`` (2.30-2.67)
        or before 2.30 (``force`` None) is forced, as in Nova: no scheduler filter runs,
        only its compute must be up (ComputeServiceUnavailable) with room for the
        flavor (its claim)."""
        spec = actions.LIVE_MIGRATE
        self._guard(context, instance, spec, 'os-migrateLive')
        if host is not None:
            if not self.store.compute_host_known(host):
                raise exception.ComputeHostNotFound(host=host)
            if host == instance['host']:
                raise exception.UnableToMigrateToSelf(instance_id=instance['uuid'],
                                                      host=host)
        forced = host is not None and force is not False
        if forced and not self.store.host_is_up(host):
            raise exception.ComputeServiceUnavailable(host=host)
        try:
            instance, _ = self.store.begin_live_migration(
                context, instance['uuid'], host=host, block_migration=block_migration,
                forced=forced)
        except exception.NoValidHost as exc:
            self.store.record_failed_action(context, instance['uuid'], action=spec.action,
                                            event=CONDUCTOR_EVENT,
                                            message=exc.format_message())
            raise
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState):
            raise exception.InstanceInvalidState(
                method='os-migrateLive', instance_uuid=instance['uuid'], attr='task_state',
                state=self._current_task_state(context, instance)) from None
        return instance

    def live_migrate_abort(self, context, instance, migration_id, *, not_running=False):
        """``not_running`` (2.65): a queued or preparing migration may be aborted too."""
        self._guard(context, instance, actions.LIVE_MIGRATION_ABORT, 'abort live migration')
        self.store.signal_live_migration(
            context, instance['uuid'], migration_id,
            statuses=ABORTABLE_265 if not_running else ABORTABLE,
            what='abort live migration', spec=actions.LIVE_MIGRATION_ABORT)

    def live_migrate_force_complete(self, context, instance, migration_id):
        spec = actions.LIVE_MIGRATION_FORCE_COMPLETE
        self._guard(context, instance, spec, 'force_complete')
        self.store.signal_live_migration(
            context, instance['uuid'], migration_id, statuses=FORCE_COMPLETABLE,
            what='force complete', spec=spec)
