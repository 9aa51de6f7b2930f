"""Live migration on the computes, with Nova's compute-to-compute shape:

  api ─live_migration─▶ source: queued for the instance's queue       (queued)
      source ─pre_live_migration (call)─▶ dest                         (preparing)
      source: driver.live_migration, the copy; an abort or a force-complete wakes it (running)
      source ─post_live_migration_at_destination (call)─▶ dest         (post-migrating)
         dest: the instance's host becomes the destination, task_state None
      source: migration completed, the source's claim given back       (completed)
  a failure or an abort: source ─rollback_live_migration_at_destination (call)─▶ dest,
      the instance stays on the source (ACTIVE or PAUSED), the destination's claim given
      back, migration ``error`` (with a fault) or ``cancelled``.
  an abort while queued or preparing (2.65): kept (compute/live_migration_aborts.py),
      found when the live migration starts or before its copy: rolled back, ``cancelled``.
  a delete during the copy: the api casts live_migration_abort to the source with the
      terminate; the copy rolls back, the delete queued behind it destroys the guest.

The instance's host changes once, in the destination's ``post`` step, after the guest
left the source: it never runs on two hosts. Each step reports through the conductor's
``migration_step`` (as a resize's). The destination's steps are RPC calls the source
waits on; they record their event and fault and raise to the source, which rolls back.
"""

import traceback

from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

# Nova's live migration statuses.
ACCEPTED, QUEUED, PREPARING, RUNNING = 'accepted', 'queued', 'preparing', 'running'
POST_MIGRATING, COMPLETED = 'post-migrating', 'completed'
ERROR, CANCELLED = 'error', 'cancelled'
# A live migration the source has not finished yet.
IN_PROGRESS = (ACCEPTED, QUEUED, PREPARING, RUNNING, POST_MIGRATING)
_GUEST_HERE = (states.RUNNING, states.PAUSED_POWER)


class LiveMigrationOperations:
    """Mixed into ComputeManager: needs ``host``, ``driver``, ``notifier``,
    ``compute_rpc`` (calls to the other compute), ``get_power_state`` and
    ResizeOperations' ``_step``."""

    def _live_call(self, context, host, method, instance, migration, **kwargs):
        return self.compute_rpc.live_call(context, host, method, instance, migration,
                                          **kwargs)

    # -- source ------------------------------------------------------------------------
    def live_migration_queued(self, context, instance, migration):
        """On receipt, before the instance's queue: ``accepted`` → ``queued`` (Nova's
        status while the migration waits; 2.65 may abort it then)."""
        try:
            self._step(context, instance, migration, status=QUEUED,
                       expected_status=[ACCEPTED])
        except Exception as exc:
            LOG.warning('Live migration of %s not marked queued: %s', instance['uuid'],
                        decorators.brief(exc))

    @decorators.move_operation('live_migration')
    def live_migration(self, context, instance, *, migration, block_migration=None):
        event = 'compute_live_migration'
        reply = self._step(context, instance, migration, phase='start', event=event,
                           values={'task_state': states.MIGRATING},
                           expected_task_state=[states.MIGRATING], status=PREPARING,
                           expected_status=[ACCEPTED, QUEUED, PREPARING])
        instance, event_id = reply['instance'], reply['event_id']
        dest = migration['dest_compute']
        aborted = exception.LiveMigrationAborted(instance_uuid=instance['uuid'])
        try:
            if self.live_aborts.requested(migration['id']):
                raise aborted       # while it was queued
            migrate_data = self._live_call(context, dest, 'pre_live_migration', instance,
                                           migration, block_migration=block_migration)
            if not self.live_aborts.start_copy(migration['id']):
                raise aborted       # while the destination prepared
            self._step(context, instance, migration, status=RUNNING,
                       expected_status=[PREPARING, RUNNING])
            LOG.info('Live migrating %s from %s to %s', instance['uuid'], self.host, dest)
            migrate_data = self.driver.live_migration(instance, dest, migrate_data)
        except Exception as exc:
            self._rollback_live_migration(context, instance, migration, event_id, exc)
            return
        finally:
            self.live_aborts.forget(migration['id'])
        try:
            self._post_live_migration(context, instance, migration, event_id, migrate_data)
        except Exception as exc:
            self._post_failed(context, instance, migration, event_id, exc)

    def _post_live_migration(self, context, instance, migration, event_id, migrate_data):
        """The guest left this host: the destination takes the instance, then the
        migration completes and this host's claim is given back."""
        self.notifier.notify(context, instance, 'live_migration_post', 'start')
        self._step(context, instance, migration, status=POST_MIGRATING,
                   expected_status=[RUNNING, POST_MIGRATING])
        self._live_call(context, migration['dest_compute'],
                        'post_live_migration_at_destination', instance, migration,
                        migrate_data=migrate_data)
        self._step(context, instance, migration, phase='finish',
                   event='compute_live_migration', event_id=event_id, status=COMPLETED,
                   expected_status=[POST_MIGRATING, COMPLETED], release='source')
        # Nova's live_migration_post.end shows the instance as the source knew it.
        self.notifier.notify(context, instance, 'live_migration_post', 'end')
        LOG.info('Live migration of %s to %s completed', instance['uuid'],
                 migration['dest_compute'])

    def _post_failed(self, context, instance, migration, event_id, exc):
        """The guest left this host but the destination did not take the instance (it
        died, or its reply was lost): when it did take it, the migration completes;
        otherwise the instance stays here in ERROR with a fault (its guest is on neither
        host for sure), the migration ``error`` and the destination's claim given back."""
        LOG.error('Post live migration of %s at %s failed: %s', instance['uuid'],
                  migration['dest_compute'], decorators.brief(exc))
        try:
            self._step(context, instance, migration, phase='finish',
                       event='compute_live_migration', event_id=event_id,
                       values={'task_state': None, 'vm_state': states.ERROR,
                               'power_state': states.NOSTATE},
                       expected_task_state=[states.MIGRATING], status=ERROR,
                       expected_status=[POST_MIGRATING], release='dest', result='Error',
                       traceback=''.join(traceback.format_exception(exc)),
                       fault=decorators.fault_from_exception(exc))
        except exception.UnexpectedTaskStateError:
            # The destination took it (host and task_state saved): only its reply was lost.
            self._step(context, instance, migration, phase='finish',
                       event='compute_live_migration', event_id=event_id, status=COMPLETED,
                       expected_status=[POST_MIGRATING, COMPLETED], release='source')

    def _rollback_live_migration(self, context, instance, migration, event_id, exc):
        """The instance stays here: the destination removes what it prepared, the
        migration ends ``cancelled`` (an abort) or ``error`` (with a fault)."""
        aborted = isinstance(exc, exception.LiveMigrationAborted)
        if aborted:
            LOG.info('Live migration of %s aborted', instance['uuid'])
        else:
            LOG.error('Live migration of %s failed: %s', instance['uuid'], exc)
        tb = None if aborted else ''.join(traceback.format_exception(exc))
        self.notifier.notify(context, instance, 'live_migration_rollback', 'start')
        try:
            self._live_call(context, migration['dest_compute'],
                            'rollback_live_migration_at_destination', instance, migration)
        except Exception as dest_exc:
            LOG.warning('Rollback of the live migration of %s on %s failed: %s',
                        instance['uuid'], migration['dest_compute'],
                        decorators.brief(dest_exc))
        power_state = self.get_power_state(instance)
        values = {'task_state': None, 'power_state': power_state}
        if power_state not in _GUEST_HERE:
            values['vm_state'] = states.ERROR    # the guest is lost: never hidden
        reply = self._step(context, instance, migration, phase='finish',
                           event='compute_live_migration', event_id=event_id,
                           values=values, expected_task_state=[states.MIGRATING],
                           status=CANCELLED if aborted else ERROR,
                           expected_status=list(IN_PROGRESS), release='dest',
                           result='Success' if aborted else 'Error', traceback=tb,
                           fault=None if aborted else decorators.fault_from_exception(exc))
        self.notifier.notify(context, reply['instance'], 'live_migration_rollback', 'end')

    # -- start-up recovery of this source's live migration (compute/resize_recovery.py) --
    @decorators.move_operation('live_migration')
    def recover_live_migration(self, context, instance, *, migration):
        """Interrupted before the guest left: rolled back (Nova: migration error, the
        instance ACTIVE on the source). After it left (post-migrating): completed on the
        destination."""
        if migration['status'] != POST_MIGRATING:
            exc = exception.VirtDriverError(
                reason=f'the compute {self.host} restarted during the live migration')
            self._rollback_live_migration(context, instance, migration, None, exc)
            return
        if instance['host'] != migration['dest_compute']:
            self._live_call(context, migration['dest_compute'],
                            'post_live_migration_at_destination', instance, migration,
                            migrate_data={})
        self._step(context, instance, migration, phase='finish',
                   event='compute_live_migration', status=COMPLETED,
                   expected_status=[POST_MIGRATING, COMPLETED], release='source')
        LOG.info('Live migration of %s to %s completed at recovery', instance['uuid'],
                 migration['dest_compute'])

    def live_migration_abort(self, context, instance, *, migration):
        """Not queued (the live migration holds the instance's queue): wakes the copy,
        which rolls back, or (queued, preparing: 2.65) is kept for the live migration to
        find before its copy. Sent by a delete too (the instance comes ``deleting``):
        then only the copy is woken; the delete queued behind it records what happens."""
        if instance['task_state'] == states.DELETING:
            LOG.info('Aborting the live migration of %s: it is being deleted',
                     instance['uuid'])
            self.driver.live_migration_abort(instance)
            return

        def abort():
            if self.live_aborts.request(migration['id']):
                self.driver.live_migration_abort(instance)
        self._live_signal(context, instance, migration, 'live_migration_abort', abort)

    def live_migration_force_complete(self, context, instance, *, migration):
        """Not queued: the copy finishes now (the fake driver stops waiting, libvirt
        would pause the guest)."""
        self._live_signal(context, instance, migration, 'live_migration_force_complete',
                          lambda: self.driver.live_migration_force_complete(instance))

    def _live_signal(self, context, instance, migration, method, act):
        event = f'compute_{method}'
        try:
            reply = self._step(context, instance, migration, phase='start', event=event)
        except Exception as exc:
            LOG.warning('%s of %s not recorded: %s', method, instance['uuid'],
                        decorators.brief(exc))
            return
        self.notifier.notify(context, instance, method, 'start')
        try:
            act()
        except Exception as exc:
            LOG.error('%s of %s failed: %s', method, instance['uuid'], exc)
            decorators.best_effort_step(self, context, instance, migration, phase='finish',
                                        event=event, event_id=reply['event_id'],
                                        result='Error', traceback=traceback.format_exc(),
                                        fault=decorators.fault_from_exception(exc))
            return
        decorators.best_effort_step(self, context, instance, migration, phase='finish',
                                    event=event, event_id=reply['event_id'])
        self.notifier.notify(context, instance, method, 'end')

    # -- destination (RPC calls from the source) -------------------------------------
    @decorators.live_destination_call
    def pre_live_migration(self, context, instance, *, migration, block_migration=None):
        event = 'compute_pre_live_migration'
        reply = self._step(context, instance, migration, phase='start', event=event)
        self.notifier.notify(context, instance, 'live_migration_pre', 'start')
        migrate_data = self.driver.pre_live_migration(
            instance, {'block_migration': block_migration})
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=reply['event_id'])
        self.notifier.notify(context, reply['instance'], 'live_migration_pre', 'end')
        return migrate_data

    @decorators.live_destination_call
    def post_live_migration_at_destination(self, context, instance, *, migration,
                                           migrate_data):
        event = 'compute_post_live_migration_at_destination'
        reply = self._step(context, instance, migration, phase='start', event=event)
        self.notifier.notify(context, reply['instance'], 'live_migration_post_dest',
                             'start')
        self.driver.post_live_migration_at_destination(instance, migrate_data)
        values = {'host': self.host, 'node': migration['dest_node'], 'task_state': None,
                  'power_state': self.get_power_state(instance)}
        try:
            reply = self._step(context, instance, migration, phase='finish', event=event,
                               event_id=reply['event_id'], values=values,
                               expected_task_state=[states.MIGRATING])
        except exception.UnexpectedDeletingTaskStateError:
            # Deleted while its guest came here: the delete went to the source, which
            # has no guest any more; the one that arrived goes (Nova leaves none).
            LOG.info('%s was deleted during its live migration: destroying its guest',
                     instance['uuid'])
            self.driver.destroy(instance)
            raise
        self.notifier.notify(context, reply['instance'], 'live_migration_post_dest', 'end')

    @decorators.live_destination_call
    def rollback_live_migration_at_destination(self, context, instance, *, migration):
        event = 'compute_rollback_live_migration_at_destination'
        reply = self._step(context, instance, migration, phase='start', event=event)
        self.notifier.notify(context, instance, 'live_migration_rollback_dest', 'start')
        self.driver.rollback_live_migration_at_destination(instance)
        self._step(context, instance, migration, phase='finish', event=event,
                   event_id=reply['event_id'])
        self.notifier.notify(context, instance, 'live_migration_rollback_dest', 'end')
