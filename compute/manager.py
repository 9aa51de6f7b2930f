"""Compute manager: the instance operations (reboot, build, terminate, table actions).

Rebuild, changePassword and the console log live in compute/guest_operations.py, the
external events (os-server-external-events) in compute/external_events.py, resize and cold
migration in compute/resize.py, evacuate in compute/evacuate.py.

Each operation runs serialized per instance (see endpoint.py), reports every state change
to the api service's conductor, emits notifications and drives the virt driver.
"""

import traceback

from oslo_log import log as logging
from oslo_utils import timeutils

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import actions
from cepheid.compute import decorators
from cepheid.compute import evacuate
from cepheid.compute import external_events
from cepheid.compute import guest_operations
from cepheid.compute import live_migration
from cepheid.compute import live_migration_aborts
from cepheid.compute import resize

LOG = logging.getLogger(__name__)


class ComputeManager(guest_operations.GuestOperations, external_events.ExternalEvents,
                     resize.ResizeOperations, evacuate.EvacuateOperations,
                     live_migration.LiveMigrationOperations):
    def __init__(self, *, host, driver, conductor, notifier, compute_rpc=None):
        self.host = host
        self.driver = driver
        self.conductor = conductor
        self.notifier = notifier
        # Casts to other computes (the steps of a resize or cold migration).
        self.compute_rpc = compute_rpc
        # Aborts of live migrations from here that are not copying yet (2.65).
        self.live_aborts = live_migration_aborts.LiveAborts()

    # -- helpers -----------------------------------------------------------------
    def get_power_state(self, instance):
        try:
            return self.driver.get_info(instance).power_state
        except exception.InstanceDriverNotFound:
            return states.NOSTATE

    def _begin(self, context, instance, event, *, task_state, expected):
        """Start the action event and CAS to ``task_state``: ``(instance, event_id)``."""
        return self.conductor.begin(context, instance['uuid'], event=event,
                                    values={'task_state': task_state},
                                    expected_task_state=expected)

    def _finish(self, context, instance, event, event_id, *, values, expected,
                result='Success', fault=None, tb=None):
        """Save the end state, finish the event (by id), record a fault: one call."""
        reply = self.conductor.task_finish(context, instance['uuid'], event=event,
                                           result=result, values=values,
                                           expected_task_state=expected, fault=fault,
                                           traceback=tb, event_id=event_id)
        return reply['instance']

    # -- reboot ------------------------------------------------------------------
    @decorators.operation('reboot')
    def reboot_instance(self, context, instance, *, reboot_type):
        requested, pending, started = states.REBOOT_STEPS[reboot_type]
        event = 'compute_reboot_instance'
        if self.conductor.end_again(context, instance['uuid']):
            LOG.info('Reboot %s of %s ended here already: its end sent again',
                     context.request_id, instance['uuid'])
            return
        power_state = self.get_power_state(instance)
        # As Nova: reboot_pending (with the power state) saved, instance.reboot.start,
        # reboot_started saved; the api does the last two after the begin commits.
        instance, event_id, advanced = self.conductor.begin_advancing(
            context, instance['uuid'], event=event,
            values={'task_state': pending, 'power_state': power_state},
            expected_task_state=states.REBOOT_STEPS[reboot_type],
            advance={'task_state': started, 'power_state': power_state},
            expected_by_advance=[pending], notify=('reboot', 'start'))
        instance['power_state'] = power_state
        if not advanced:
            self.notifier.notify(context, instance, 'reboot', 'start')
            # Nobody waits for this step, so it is a cast; the end state below accepts
            # both steps, whichever order the api service applies them in.
            self.conductor.task_advance(
                context, instance['uuid'], values={'task_state': started,
                                                   'power_state': power_state},
                expected_task_state=[pending])
        instance['task_state'] = started
        LOG.info('Rebooting instance %s (%s)', instance['uuid'], reboot_type)
        try:
            self.driver.reboot(instance, reboot_type)
        except Exception as exc:
            self._handle_reboot_failure(context, instance, exc, event_id,
                                        expected=[pending, started])
            return
        self._finish_reboot(context, instance, event_id, expected=[pending, started])

    def _finish_reboot(self, context, instance, event_id, *, expected):
        values = {'power_state': self.get_power_state(instance),
                  'vm_state': states.ACTIVE, 'task_state': None}
        if event_id is not None and self.conductor.ends_by_cast():
            # A cast (api/conductor_end.py): the api applies it once and sends
            # instance.reboot.end after its commit; a lost one is the watchdog's.
            self.conductor.task_end(context, instance['uuid'],
                                    event='compute_reboot_instance', event_id=event_id,
                                    values=values, expected_task_state=expected,
                                    notify=('reboot', 'end'))
            return
        instance = self._finish(context, instance, 'compute_reboot_instance', event_id,
                                values=values, expected=expected)
        self.notifier.notify(context, instance, 'reboot', 'end')

    def _handle_reboot_failure(self, context, instance, exc, event_id, *, expected):
        """Guest still running: back to active with a fault. Guest down, or its state
        unknown (the hypervisor still unreachable once the driver gave up waiting for
        it): vm_state error, power_state NOSTATE; the resync after the reconnect saves
        the real power state."""
        try:
            power_state = self.get_power_state(instance)
        except exception.HypervisorUnavailable as unavailable:
            LOG.warning('Power state of %s unknown: %s', instance['uuid'], unavailable)
            power_state = states.NOSTATE
        fault = decorators.fault_from_exception(exc)
        if power_state == states.RUNNING:
            LOG.warning('Reboot of %s failed but the guest runs: %s', instance['uuid'], exc)
            values = {'vm_state': states.ACTIVE, 'task_state': None, 'power_state': power_state}
            result, tb = 'Success', None
        else:
            LOG.error('Reboot of %s failed, guest is down: %s', instance['uuid'], exc)
            values = {'vm_state': states.ERROR, 'task_state': None, 'power_state': power_state}
            result, tb = 'Error', fault['details']
        # Nova's reboot.error shows the instance as the error found it (task_state in force).
        failed = dict(instance, power_state=power_state)
        self._finish(context, instance, 'compute_reboot_instance', event_id,
                     values=values, expected=expected, result=result, fault=fault, tb=tb)
        self.notifier.notify(context, failed, 'reboot', 'error', exc=exc)

    # -- build / terminate --------------------------------------------------------
    @decorators.operation('create')
    def build_and_run_instance(self, context, instance):
        event = 'compute_build_and_run_instance'
        instance, event_id = self._begin(context, instance, event,
                                         task_state=states.SPAWNING,
                                         expected=[states.SPAWNING])
        self.notifier.notify(context, instance, 'create', 'start')
        try:
            self.driver.spawn(instance)
        except Exception as exc:
            fault = decorators.fault_from_exception(exc)
            values = {'vm_state': states.ERROR, 'task_state': None,
                      'power_state': self.get_power_state(instance)}
            failed = dict(instance, power_state=values['power_state'])
            self._finish(context, instance, event, event_id, values=values,
                         expected=[states.SPAWNING], result='Error', fault=fault,
                         tb=traceback.format_exc())
            self.notifier.notify(context, failed, 'create', 'error', exc=exc)
            return
        values = {'vm_state': states.ACTIVE, 'task_state': None,
                  'power_state': self.get_power_state(instance),
                  'launched_at': timeutils.utcnow().isoformat()}
        instance = self._finish(context, instance, event, event_id, values=values,
                                expected=[states.SPAWNING])
        self.notifier.notify(context, instance, 'create', 'end')

    @decorators.operation('delete')
    def terminate_instance(self, context, instance):
        event = 'compute_terminate_instance'
        instance, _ = self._begin(context, instance, event, task_state=states.DELETING,
                                  expected=[states.DELETING])
        self.notifier.notify(context, instance, 'delete', 'start')
        self.driver.destroy(instance)
        self.conductor.instance_destroy(context, instance['uuid'], event=event)
        now = timeutils.utcnow().isoformat()
        instance.update(vm_state=states.DELETED, task_state=None, power_state=states.NOSTATE,
                        terminated_at=now, deleted_at=now, updated_at=now)
        self.notifier.notify(context, instance, 'delete', 'end')

    # -- table actions (power actions, rescue/unrescue, crash dump) ---------------------
    def run_power_action(self, context, instance, *, rpc_method, **kwargs):
        """Run one entry of compute.actions.TABLE_ACTIONS (``kwargs``: its driver_args)."""
        _TABLE_OPERATIONS[rpc_method](self, context, instance, **kwargs)

    def _table_failure(self, context, instance, spec, event_id, exc):
        """A driver failure of an action with an error_vm_state: Nova's error-out."""
        fault = decorators.fault_from_exception(exc)
        values = {'vm_state': spec.error_vm_state, 'task_state': None,
                  'power_state': self.get_power_state(instance)}
        instance = self._finish(context, instance, f'compute_{spec.rpc_method}', event_id,
                                values=values, expected=[spec.task_state], result='Error',
                                fault=fault, tb=fault['details'])
        return instance


def _table_operation(spec):
    """Build the decorated operation for a table entry (its event is compute_<rpc_method>)."""
    def operation(self, context, instance, **kwargs):
        event = f'compute_{spec.rpc_method}'
        instance, event_id = self._begin(context, instance, event,
                                         task_state=spec.task_state,
                                         expected=[spec.task_state])
        extra = {arg: kwargs.get(arg) for arg in spec.payload_args} or None
        self.notifier.notify(context, instance, spec.notification, 'start', extra=extra)
        try:
            getattr(self.driver, spec.driver_call)(instance, **kwargs)
        except Exception as exc:
            if spec.error_vm_state is None:
                raise
            LOG.error('%s of %s failed: %s', spec.action, instance['uuid'], exc)
            instance = self._table_failure(context, instance, spec, event_id, exc)
            self.notifier.notify(context, instance, spec.notification, 'error', exc=exc,
                                 extra=extra)
            return
        values = {'task_state': None, 'power_state': self.get_power_state(instance)}
        if spec.end_vm_state is not None:
            values['vm_state'] = spec.end_vm_state
        if spec.sets_launched_at:
            values['launched_at'] = timeutils.utcnow().isoformat()
        instance = self._finish(context, instance, event, event_id, values=values,
                                expected=[spec.task_state])
        self.notifier.notify(context, instance, spec.notification, 'end', extra=extra)
    operation.__name__ = spec.rpc_method
    return decorators.operation(spec.notification)(operation)


_TABLE_OPERATIONS = {method: _table_operation(spec)
                     for method, spec in actions.TABLE_ACTIONS_BY_METHOD.items()}
