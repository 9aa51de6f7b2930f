"""Compute operations beyond the action table: rebuild, changePassword, the console log,
the diagnostics and the host uptime.

Mixed into ComputeManager (it provides ``_begin``/``_finish``, ``conductor``, ``driver``,
``notifier``). Rebuild follows Nova's ``_rebuild_default_impl``: destroy the guest, step the
task_state through ``rebuild_block_device_mapping`` and ``rebuild_spawning``, spawn it from
the new image, and power it off again when it was stopped.
"""

import re

from oslo_log import log as logging
from oslo_utils import timeutils

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

# Nova's os-getConsoleOutput drops control characters except tab and newline.
_CONTROL = re.compile('[\x00-\x08\x0b-\x1f]')
# Failures changePassword reports as themselves; anything else is InstancePasswordSetFailed.
_PASSWORD_REFUSALS = (exception.InstanceAgentNotEnabled, exception.SetAdminPasswdNotSupported,
                      NotImplementedError)


def tail(text, length):
    """The last ``length`` lines of ``text`` (None or -1: all of it), as Nova's _tail_log."""
    if length is None or int(length) < 0:
        return text
    if int(length) == 0:
        return ''
    return '\n'.join(text.split('\n')[-int(length):])


class GuestOperations:
    # -- rebuild ---------------------------------------------------------------------
    @decorators.operation('rebuild')
    def rebuild_instance(self, context, instance, *, preserve_ephemeral=False,
                         admin_password=None):
        event = 'compute_rebuild_instance'
        instance, event_id = self._begin(context, instance, event,
                                         task_state=states.REBUILDING,
                                         expected=[states.REBUILDING])
        was_stopped = instance['vm_state'] == states.STOPPED
        self.notifier.notify(context, instance, 'rebuild', 'start')
        LOG.info('Rebuilding instance %s from image %s', instance['uuid'],
                 instance['image_ref'])
        try:
            self._rebuild_guest(context, instance, preserve_ephemeral, was_stopped)
        except Exception as exc:
            self._rebuild_failed(context, instance, event_id, exc)
            return
        values = {'vm_state': states.STOPPED if was_stopped else states.ACTIVE,
                  'task_state': None, 'power_state': self.get_power_state(instance),
                  'launched_at': timeutils.utcnow().isoformat()}
        instance = self._finish(context, instance, event, event_id, values=values,
                                expected=list(states.REBUILD_STATES))
        self.notifier.notify(context, instance, 'rebuild', 'end')

    def _rebuild_guest(self, context, instance, preserve_ephemeral, was_stopped):
        if preserve_ephemeral:
            # As Nova's default rebuild: only drivers with their own rebuild preserve it.
            raise exception.PreserveEphemeralNotSupported()
        self.driver.destroy(instance)
        # Nobody waits for these steps: casts, each accepting the steps before it.
        done = [states.REBUILDING]
        for step in states.REBUILD_STATES[1:]:
            self.conductor.task_advance(context, instance['uuid'],
                                        values={'task_state': step},
                                        expected_task_state=list(done))
            done.append(step)
        instance['task_state'] = states.REBUILD_SPAWNING
        self.driver.spawn(instance)
        if was_stopped:
            # Nova brings a rebuilt stopped instance back to stopped.
            self.driver.power_off(instance)

    def _rebuild_failed(self, context, instance, event_id, exc):
        """Nova errors the instance out, with a fault and instance.rebuild.error."""
        LOG.error('Rebuild of %s failed: %s', instance['uuid'], exc)
        fault = decorators.fault_from_exception(exc)
        values = {'vm_state': states.ERROR, 'task_state': None,
                  'power_state': self.get_power_state(instance)}
        instance = self._finish(context, instance, 'compute_rebuild_instance', event_id,
                                values=values, expected=list(states.REBUILD_STATES),
                                result='Error', fault=fault, tb=fault['details'])
        self.notifier.notify(context, instance, 'rebuild', 'error', exc=exc)

    # -- changePassword (an RPC call: the API reports the driver's answer) ------------
    @decorators.operation('set_admin_password')
    def set_admin_password(self, context, instance, *, new_pass):
        event = 'compute_set_admin_password'
        instance, event_id = self._begin(context, instance, event,
                                         task_state=states.UPDATING_PASSWORD,
                                         expected=[states.UPDATING_PASSWORD])
        try:
            self.driver.set_admin_password(instance, new_pass)
        except decorators.HANDS_OFF:
            raise
        except _PASSWORD_REFUSALS:
            LOG.info('set_admin_password is not possible for %s', instance['uuid'])
            raise
        except Exception as exc:
            raise exception.InstancePasswordSetFailed(instance=instance['uuid'],
                                                      reason=str(exc)) from exc
        self._finish(context, instance, event, event_id, values={'task_state': None},
                     expected=[states.UPDATING_PASSWORD])
        LOG.info('Admin password set for %s', instance['uuid'])

    # -- os-getConsoleOutput (an RPC call, not queued: it only reads) ------------------
    def get_console_output(self, context, instance, *, tail_length=None):
        output = self.driver.get_console_output(instance)
        return _CONTROL.sub('', tail(output, tail_length))

    # -- diagnostics and host uptime (RPC calls, not queued: they only read) -------------
    def _running_or_refuse(self, instance, method):
        """Nova asks the driver only for a running guest (else 409 from the API)."""
        power_state = self.get_power_state(instance)
        if power_state != states.RUNNING:
            raise exception.InstanceInvalidState(
                method=method, instance_uuid=instance['uuid'], attr='power state',
                state=states.POWER_STATE_NAMES.get(power_state, 'pending'))

    def get_diagnostics(self, context, instance):
        self._running_or_refuse(instance, 'get_diagnostics')
        LOG.info('Retrieving diagnostics of %s', instance['uuid'])
        return self.driver.get_diagnostics(instance)

    def get_instance_diagnostics(self, context, instance):
        self._running_or_refuse(instance, 'get_diagnostics')
        LOG.info('Retrieving diagnostics of %s', instance['uuid'])
        return self.driver.get_instance_diagnostics(instance)

    def get_host_uptime(self, context):
        return self.driver.get_host_uptime()
