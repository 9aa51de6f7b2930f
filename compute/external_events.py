"""External instance events (os-server-external-events) on the instance's compute.

Mixed into ComputeManager (it provides ``_begin``/``_finish``, ``conductor``, ``notifier``).
Nova's ``external_instance_event``, event by event:

- ``power-update`` (tag ``POWER_ON``/``POWER_OFF``): acted on, as Nova's ``power_update``:
  a no-op (INFO) while a task runs or when the instance is already in the target state;
  else ``task_state`` powering-on/off, ``instance.power_on|power_off.start``, then the state
  the sender reports (vm_state active/stopped, power_state RUNNING/SHUTDOWN, no task) and
  ``.end``. The guest is not touched: the sender (Ironic in Nova) reports a change that
  already happened, and the periodic power-state sync reconciles the guest with it.
  The api recorded a ``start``/``stop`` action; the event is ``compute_power_update``.
- ``volume-extended``: Cepheid attaches no volumes (there is no volume service), so Nova's
  "volume not attached" path: a WARNING, event ``compute_extend_volume`` (action
  ``extend_volume``) finished Success.
- ``network-changed`` and ``network-vif-deleted``: Nova refreshes the network info cache
  from Neutron; there is no network service, so nothing to refresh: logged (INFO).
- every other name (``network-vif-plugged|unplugged``, ``accelerator-request-bound``): Nova
  wakes a thread waiting for it; nothing in Cepheid waits for one, so Nova's "Received
  unexpected event" WARNING (DEBUG for an unplug while deleting, as Nova).
"""

from oslo_log import log as logging

from cepheid.common import states
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

POWER_ON = 'POWER_ON'
POWER_OFF = 'POWER_OFF'
# target -> (vm_state it applies to, task_state, notification, end vm_state, power_state)
_POWER_UPDATE = {
    POWER_ON: (states.STOPPED, states.POWERING_ON, 'power_on', states.ACTIVE, states.RUNNING),
    POWER_OFF: (states.ACTIVE, states.POWERING_OFF, 'power_off', states.STOPPED,
                states.SHUTDOWN),
}
# Events handled in the instance's queue (they change it or record an action event).
QUEUED = ('power-update', 'volume-extended')


def key(event):
    """Nova's InstanceExternalEvent.key: ``name`` or ``name-tag``."""
    return event['name'] if event.get('tag') is None else f"{event['name']}-{event['tag']}"


class ExternalEvents:
    def external_instance_event(self, context, instance, *, event):
        """Handle one external event for ``instance`` (see the module docstring)."""
        LOG.debug('Received event %s for instance %s', key(event), instance['uuid'])
        name = event['name']
        if name == 'power-update':
            self.power_update(context, instance, target=event.get('tag'))
        elif name == 'volume-extended':
            self.extend_volume(context, instance, volume_id=event.get('tag'))
        elif name in ('network-changed', 'network-vif-deleted'):
            LOG.info('Event %s for instance %s: no network service, no network info to '
                     'refresh', key(event), instance['uuid'])
        elif name == 'network-vif-unplugged' and instance['task_state'] == states.DELETING:
            LOG.debug('Received event %s for instance %s while it is being deleted',
                      key(event), instance['uuid'])
        else:
            LOG.warning('Received unexpected event %s for instance %s with vm_state %s and '
                        'task_state %s.', key(event), instance['uuid'],
                        instance['vm_state'], instance['task_state'])

    @decorators.wrap_instance_event
    @decorators.wrap_instance_fault
    def power_update(self, context, instance, *, target):
        event = 'compute_power_update'
        current = self.conductor.instance_get(context, instance['uuid'])
        reason = self._power_update_noop(current, target)
        if reason:
            LOG.info('The power-update %s event for instance %s is a no-op since the '
                     'instance is in %s', target, current['uuid'], reason)
            self.conductor.task_finish(context, current['uuid'], event=event,
                                       result='Success')
            return
        _, task_state, action, vm_state, power_state = _POWER_UPDATE[target]
        current, event_id = self._begin(context, current, event, task_state=task_state,
                                        expected=[None])
        try:
            self.notifier.notify(context, current, action, 'start')
            current = self._finish(context, current, event, event_id,
                                   values={'vm_state': vm_state, 'power_state': power_state,
                                           'task_state': None},
                                   expected=[task_state])
        except Exception:
            # reverts_task_state, for the task this operation set itself.
            decorators.revert_task_state(self, context, current)
            raise
        self.notifier.notify(context, current, action, 'end')

    @staticmethod
    def _power_update_noop(instance, target):
        """Why a power-update changes nothing (Nova's checks), or None."""
        if instance['task_state'] is not None:
            return f"task_state {instance['task_state']}"
        if target not in _POWER_UPDATE or instance['vm_state'] != _POWER_UPDATE[target][0]:
            return f"vm_state {instance['vm_state']}"
        return None

    @decorators.wrap_instance_event
    def extend_volume(self, context, instance, *, volume_id):
        LOG.warning('Extend volume failed, volume %s is not attached to instance %s.',
                    volume_id, instance['uuid'])
        self.conductor.task_finish(context, instance['uuid'], event='compute_extend_volume',
                                   result='Success')
