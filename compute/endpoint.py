"""The compute RPC endpoint (topic ``compute``): validates a message, then queues it.

Serialization is explicit here: every operation goes through ``self.queue.submit(uuid,
...)`` so one instance runs one operation at a time in arrival order; the RPC thread
returns at once. A HARD reboot also escalates a soft reboot already waiting on the guest.
The power actions' methods are generated from ``compute.actions.POWER_ACTIONS``.
"""

import oslo_messaging
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import objects
from cepheid.compute import actions
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

# 1.1 - soft_delete_instance, restore_instance (deferred delete)
VERSION = '1.1'
REBOOT_TYPES = ('SOFT', 'HARD')


class ComputeEndpoint:
    target = oslo_messaging.Target(version=VERSION)

    def __init__(self, manager, queue):
        self.manager = manager
        self.queue = queue

    def _receive(self, instance):
        try:
            instance = objects.instance_from_primitive(instance)
        except ValueError as exc:
            raise exception.InvalidRPCPayload(reason=str(exc)) from None
        if instance['host'] != self.manager.host:
            raise exception.HostMismatch(host=self.manager.host,
                                         instance_uuid=instance['uuid'])
        return instance

    def _queue(self, context, instance, operation, **kwargs):
        self.queue.submit(instance['uuid'], decorators.run_operation, operation, context,
                          instance, **kwargs)

    def reboot_instance(self, context, *, instance, reboot_type):
        instance = self._receive(instance)
        if reboot_type not in REBOOT_TYPES:
            raise exception.InvalidRPCPayload(reason=f'bad reboot_type {reboot_type!r}')
        if reboot_type == 'HARD' and self.manager.driver.escalate_reboot(instance['uuid']):
            LOG.info('HARD reboot of %s escalates the soft reboot in progress',
                     instance['uuid'])
        self._queue(context, instance, self.manager.reboot_instance, reboot_type=reboot_type)

    def build_and_run_instance(self, context, *, instance):
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.build_and_run_instance)

    def terminate_instance(self, context, *, instance):
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.terminate_instance)

    def _power(self, context, instance, rpc_method):
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.run_power_action, rpc_method=rpc_method)


def _power_method(rpc_method):
    """The RPC method ``rpc_method`` of a table-driven power action."""
    def method(self, context, *, instance):
        self._power(context, instance, rpc_method)
    method.__name__ = method.__qualname__ = rpc_method
    method.__doc__ = f'Queue {rpc_method} (compute.actions.POWER_ACTIONS).'
    return method


# One RPC method per power action of the table (start_instance, stop_instance, ...): a new
# table entry needs no code here.
for _method in actions.POWER_ACTIONS_BY_METHOD:
    setattr(ComputeEndpoint, _method, _power_method(_method))
