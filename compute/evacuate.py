"""Evacuate on the destination: Nova's ``rebuild_instance`` with ``recreate`` — the guest
of a failed host rebuilt here from the DB record.

The instance stays on its source until the end: every step reports through the
conductor's ``evacuation_step`` (the destination may report on it). The start CASes the
task_state (``rebuilding``, a redo accepts the later steps) and moves the migration to
``pre-migrating``; the task_state steps through ``rebuild_block_device_mapping`` and
``rebuild_spawning``; the guest is spawned (and powered off again when the server was
stopped); the end hands the instance over (host, node, vm_state, migration ``done``) in
one transaction. A failure errors the server out where it was (ERROR, a fault, migration
``failed``, this host's claim given back) and removes what was built here. Notifications:
``instance.rebuild.start|end|error``, as Nova's destination sends them.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

EVENT = 'compute_rebuild_instance'


class EvacuateOperations:
    """Mixed into ComputeManager: needs ``host``, ``driver``, ``conductor``, ``notifier``
    and ``get_power_state``."""

    def _evacuation_step(self, context, instance, migration, **kwargs):
        return self.conductor.evacuation_step(context, instance['uuid'], migration['id'],
                                              **kwargs)

    @decorators.evacuation_operation('rebuild')
    def evacuate_instance(self, context, instance, *, migration, admin_password=None,
                          on_shared_storage=None):
        try:
            reply = self._evacuation_step(
                context, instance, migration, phase='start', event=EVENT,
                values={'task_state': states.REBUILDING},
                expected_task_state=list(states.REBUILD_STATES), outcome='start')
        except exception.MigrationStatusConflict as exc:
            # Done (a redelivered cast, or the start-up redo ran it) or ended meanwhile.
            LOG.info('Evacuation of %s not run: %s', instance['uuid'], decorators.brief(exc))
            return
        instance, event_id = reply['instance'], reply['event_id']
        was_stopped = instance['vm_state'] == states.STOPPED
        LOG.info('Evacuating instance %s from %s', instance['uuid'],
                 migration['source_compute'])
        self.notifier.notify(context, instance, 'rebuild', 'start')
        try:
            self._evacuate_guest(context, instance, migration, on_shared_storage,
                                 was_stopped)
        except Exception as exc:
            self._evacuation_failed(context, instance, migration, event_id, exc)
            return
        values = {'vm_state': states.STOPPED if was_stopped else states.ACTIVE,
                  'task_state': None, 'power_state': self.get_power_state(instance),
                  'launched_at': timeutils.utcnow().isoformat(), 'host': self.host,
                  'node': migration.get('dest_node') or self.host}
        try:
            reply = self._evacuation_step(
                context, instance, migration, phase='finish', event=EVENT,
                event_id=event_id, values=values,
                expected_task_state=list(states.REBUILD_STATES), outcome='done')
        except decorators.HANDS_OFF:
            # Deleted meanwhile (a local delete: its host is down), or ended by the
            # watchdog: the instance is not handed over, so nothing of it may run here.
            self._remove_guest(instance)
            raise
        self.notifier.notify(context, reply['instance'], 'rebuild', 'end')

    def _evacuate_guest(self, context, instance, migration, on_shared_storage, was_stopped):
        if on_shared_storage:
            # Nova checks the admin's word against the driver's; no driver here keeps
            # its instances' files on shared storage.
            raise exception.InvalidSharedStorage()
        done = [states.REBUILDING]
        for step in states.REBUILD_STATES[1:]:
            self._evacuation_step(context, instance, migration, values={'task_state': step},
                                  expected_task_state=list(done))
            done.append(step)
        instance['task_state'] = states.REBUILD_SPAWNING
        self.driver.spawn(instance)
        if was_stopped:
            # Nova brings an evacuated stopped instance back to stopped.
            self.driver.power_off(instance)

    def _remove_guest(self, instance):
        try:
            self.driver.destroy(instance)
        except Exception as exc:
            LOG.warning('Could not remove the guest of %s: %s', instance['uuid'], exc)

    def _evacuation_failed(self, context, instance, migration, event_id, exc):
        """Nova errors the instance out, with a fault and instance.rebuild.error."""
        LOG.error('Evacuation of %s failed on %s: %s', instance['uuid'], self.host, exc)
        self._remove_guest(instance)
        fault = decorators.fault_from_exception(exc)
        try:
            reply = self._evacuation_step(
                context, instance, migration, phase='finish', event=EVENT,
                event_id=event_id, values={'vm_state': states.ERROR, 'task_state': None},
                expected_task_state=list(states.REBUILD_STATES), outcome='failed',
                result='Error', fault=fault, traceback=fault['details'])
            instance = reply['instance']
        except Exception as step_exc:
            LOG.warning('Could not record the failed evacuation of %s: %s',
                        instance['uuid'], step_exc)
        self.notifier.notify(context, instance, 'rebuild', 'error', exc=exc)
