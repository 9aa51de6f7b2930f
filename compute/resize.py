"""Resize and cold migration on the computes, with Nova's compute-to-compute shape:

  api ─prep_resize─▶ dest ─resize_instance─▶ source ─finish_resize─▶ dest (VERIFY_RESIZE)
  api ─confirm_resize─▶ source                                           (confirmed)
  api ─revert_resize─▶ dest ─finish_revert_resize─▶ source               (reverted)

Each step starts its event and moves task_state / migration status in one conductor call
(``migration_step``), drives the driver, then saves its end in one more call before it
casts the next step. The hand-over (host, node and new flavor) is saved at the end of
``resize_instance``, once the source guest is off, so the instance never runs on two
hosts. A failure errors the move out: migration ``error``, the claim of the side the
instance did not end on given back, a fault, the instance ERROR (or, when its guest on
the source was never touched, back to what it was).
"""

import traceback

from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import decorators
from cepheid.compute import rpcapi

LOG = logging.getLogger(__name__)

PRE_MIGRATING, MIGRATING, POST_MIGRATING = 'pre-migrating', 'migrating', 'post-migrating'
FINISHED, CONFIRMING, CONFIRMED = 'finished', 'confirming', 'confirmed'
REVERTING, REVERTED, ERROR = 'reverting', 'reverted', 'error'


def _flavor_values(flavor):
    return {key: flavor[key] for key in ('flavor_id', 'flavor_name', 'vcpus', 'memory_mb',
                                         'root_gb', 'ephemeral_gb', 'swap',
                                         'flavor_extra_specs')}


def _was_running(migration, instance):
    """Start the guest after the move (or its revert) unless the server was stopped
    (Nova's old_vm_state); a migration of an older api has none: the instance says."""
    old = migration.get('old_vm_state') or instance['vm_state']
    return old != states.STOPPED


class ResizeOperations:
    """Mixed into ComputeManager: needs ``host``, ``driver``, ``conductor``, ``notifier``,
    ``compute_rpc`` (sends casts to other computes) and ``get_power_state``."""

    def _step(self, context, instance, migration, **kwargs):
        return self.conductor.migration_step(context, instance['uuid'], migration['id'],
                                             **kwargs)

    def _next(self, context, instance, migration, method, host):
        self.compute_rpc.send(context, rpcapi.move_cast(instance, migration, method, host))

    def _start_or_recast(self, context, instance, migration, method, host, **kwargs):
        """The start of a step that ends by casting ``method`` to ``host``. A redo of
        one that finished (at start-up: its compute died before or just after that
        cast) casts it again, then stands down; the other host ignores a duplicate."""
        try:
            return self._step(context, instance, migration, **kwargs)
        except exception.RequestAlreadyHandled:
            LOG.info('%s of %s already done: casting %s to %s again', kwargs['event'],
                     instance['uuid'], method, host)
            self._next(context, instance, migration, method, host)
            raise

    def _fail(self, context, instance, migration, event, event_id, exc, *, vm_state,
              release, action):
        """Error the move out (see the module docstring); never raises."""
        LOG.error('%s of %s failed on %s: %s', event, instance['uuid'], self.host, exc)
        fault = decorators.fault_from_exception(exc)
        values = {'task_state': None}
        if vm_state is not None:
            values['vm_state'] = vm_state
        try:
            reply = self._step(context, instance, migration, phase='finish', event=event,
                               event_id=event_id, values=values, status=ERROR,
                               release=release, result='Error', fault=fault,
                               traceback=traceback.format_exc())
            instance = reply['instance']
        except Exception as step_exc:
            LOG.warning('Could not record the failed %s of %s: %s', event, instance['uuid'],
                        step_exc)
        self.notifier.notify(context, instance, action, 'error', exc=exc)

    # -- destination: prep_resize ------------------------------------------------------
    @decorators.move_operation('resize_prep')
    def prep_resize(self, context, instance, *, migration):
        event = 'compute_prep_resize'
        reply = self._start_or_recast(
            context, instance, migration, 'resize_instance', migration['source_compute'],
            phase='start', event=event, values={'task_state': states.RESIZE_PREP},
            expected_task_state=[states.RESIZE_PREP], status=PRE_MIGRATING,
            expected_status=[PRE_MIGRATING])
        instance, event_id = reply['instance'], reply['event_id']
        extra = {'new_flavor': migration['new_flavor']}
        self.notifier.notify(context, instance, 'resize_prep', 'start', extra=extra)
        try:
            # The api's scheduler claimed the new flavor here; nothing else to prepare.
            reply = self._step(context, instance, migration, phase='finish', event=event,
                               event_id=event_id)
        except Exception as exc:
            self._fail(context, instance, migration, event, event_id, exc, vm_state=None,
                       release='dest', action='resize_prep')
            return
        self.notifier.notify(context, reply['instance'], 'resize_prep', 'end', extra=extra)
        self._next(context, reply['instance'], migration, 'resize_instance',
                   migration['source_compute'])

    # -- source: resize_instance -------------------------------------------------------
    @decorators.move_operation('resize')
    def resize_instance(self, context, instance, *, migration):
        event = 'compute_resize_instance'
        reply = self._step(context, instance, migration, phase='start', event=event,
                           values={'task_state': states.RESIZE_MIGRATING},
                           expected_task_state=[states.RESIZE_PREP, states.RESIZE_MIGRATING],
                           status=MIGRATING, expected_status=[PRE_MIGRATING, MIGRATING])
        instance, event_id = reply['instance'], reply['event_id']
        self.notifier.notify(context, instance, 'resize', 'start')
        try:
            self.driver.migrate_disk_and_power_off(instance, migration['dest_compute'],
                                                   flavor=migration['new_flavor'])
        except Exception as exc:
            running = self.get_power_state(instance) == states.RUNNING
            # The guest still runs where it was: the move simply did not happen.
            self._fail(context, instance, migration, event, event_id, exc,
                       vm_state=None if running else states.ERROR, release='dest',
                       action='resize')
            return
        values = {'task_state': states.RESIZE_MIGRATED, 'power_state': states.SHUTDOWN,
                  'host': migration['dest_compute'], 'node': migration['dest_node'],
                  **_flavor_values(migration['new_flavor'])}
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=event_id, values=values,
                           expected_task_state=[states.RESIZE_MIGRATING,
                                                states.RESIZE_MIGRATED],
                           status=POST_MIGRATING, expected_status=[MIGRATING, POST_MIGRATING])
        # Nova's resize.end carries the instance as the source left it.
        self.notifier.notify(context, dict(instance, task_state=states.RESIZE_MIGRATED,
                                           power_state=states.SHUTDOWN), 'resize', 'end')
        self._next(context, reply['instance'], migration, 'finish_resize',
                   migration['dest_compute'])

    # -- destination: finish_resize ----------------------------------------------------
    @decorators.move_operation('resize_finish')
    def finish_resize(self, context, instance, *, migration):
        event = 'compute_finish_resize'
        reply = self._step(context, instance, migration, phase='start', event=event,
                           values={'task_state': states.RESIZE_FINISH},
                           expected_task_state=[states.RESIZE_MIGRATED, states.RESIZE_FINISH])
        instance, event_id = reply['instance'], reply['event_id']
        self.notifier.notify(context, instance, 'resize_finish', 'start')
        power_on = _was_running(migration, instance)
        try:
            self.driver.finish_migration(instance, power_on)
        except Exception as exc:
            self._fail(context, instance, migration, event, event_id, exc,
                       vm_state=states.ERROR, release='source', action='resize_finish')
            return
        values = {'vm_state': states.RESIZED, 'task_state': None,
                  'power_state': self.get_power_state(instance)}
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=event_id, values=values,
                           expected_task_state=[states.RESIZE_FINISH],
                           status=FINISHED, expected_status=[POST_MIGRATING, FINISHED])
        self.notifier.notify(context, reply['instance'], 'resize_finish', 'end')

    # -- source: confirm_resize --------------------------------------------------------
    @decorators.move_operation('resize_confirm')
    def confirm_resize(self, context, instance, *, migration):
        if instance['task_state'] == states.DELETING:
            self._confirm_on_deleting(instance, migration)
            return
        event = 'compute_confirm_resize'
        reply = self._step(context, instance, migration, phase='start', event=event)
        instance, event_id = reply['instance'], reply['event_id']
        self.notifier.notify(context, instance, 'resize_confirm', 'start')
        try:
            # A same-host resize too: the driver drops what it kept for a revert.
            self.driver.confirm_migration(instance)
        except Exception as exc:
            self._fail(context, instance, migration, event, event_id, exc,
                       vm_state=states.ERROR, release='source', action='resize_confirm')
            return
        running = instance['power_state'] == states.RUNNING
        values = {'vm_state': states.ACTIVE if running else states.STOPPED}
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=event_id, values=values, expected_task_state=[None],
                           expected_vm_state=[states.RESIZED, values['vm_state']],
                           status=CONFIRMED, expected_status=[CONFIRMING], release='source')
        self.notifier.notify(context, reply['instance'], 'resize_confirm', 'end')

    def _confirm_on_deleting(self, instance, migration):
        """The instance is being deleted on the destination (Nova's confirm on deleting):
        only this host's copy of the guest goes; the instance's record and the
        migration (``confirmed``) end with the instance, on the api side."""
        LOG.info('Confirming the move of %s on deleting: destroying its guest on %s',
                 instance['uuid'], self.host)
        self.driver.confirm_migration(instance)

    # -- destination: revert_resize, then source: finish_revert_resize ------------------
    @decorators.move_operation('resize_revert')
    def revert_resize(self, context, instance, *, migration):
        event = 'compute_revert_resize'
        reply = self._start_or_recast(
            context, instance, migration, 'finish_revert_resize',
            migration['source_compute'], phase='start', event=event,
            values={'task_state': states.RESIZE_REVERTING},
            expected_task_state=[states.RESIZE_REVERTING])
        instance, event_id = reply['instance'], reply['event_id']
        self.notifier.notify(context, instance, 'resize_revert', 'start')
        try:
            if migration['source_compute'] != migration['dest_compute']:
                self.driver.destroy(instance)
        except Exception as exc:
            self._fail(context, instance, migration, event, event_id, exc,
                       vm_state=states.ERROR, release='source', action='resize_revert')
            return
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=event_id)
        self._next(context, reply['instance'], migration, 'finish_revert_resize',
                   migration['source_compute'])

    @decorators.move_operation('resize_revert')
    def finish_revert_resize(self, context, instance, *, migration):
        event = 'compute_finish_revert_resize'
        power_on = _was_running(migration, instance)
        values = {'task_state': states.RESIZE_REVERTING, 'host': migration['source_compute'],
                  'node': migration['source_node'], **_flavor_values(migration['old_flavor'])}
        reply = self._step(context, instance, migration, phase='start', event=event,
                           values=values, expected_task_state=[states.RESIZE_REVERTING])
        instance, event_id = reply['instance'], reply['event_id']
        try:
            self.driver.finish_revert_migration(instance, power_on)
        except Exception as exc:
            self._fail(context, instance, migration, event, event_id, exc,
                       vm_state=states.ERROR, release='dest', action='resize_revert')
            return
        power_state = self.get_power_state(instance)
        values = {'vm_state': states.ACTIVE if power_state == states.RUNNING
                  else states.STOPPED, 'task_state': None, 'power_state': power_state}
        reply = self._step(context, instance, migration, phase='finish', event=event,
                           event_id=event_id, values=values,
                           expected_task_state=[states.RESIZE_REVERTING],
                           status=REVERTED, expected_status=[REVERTING], release='dest')
        self.notifier.notify(context, reply['instance'], 'resize_revert', 'end')


