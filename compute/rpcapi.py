"""Client side of the compute RPC API: the api service casts instance operations to a host.

Version history:
  1.0 - reboot_instance, build_and_run_instance, terminate_instance, and the power actions
"""

from cepheid.common import rpc

TOPIC = 'compute'
VERSION = '1.0'


class ComputeRPCAPI:
    """Casts to topic ``compute``, server = the instance's host; the context travels along."""

    def __init__(self, transport, *, version_cap=None):
        self.client = rpc.get_client(transport, TOPIC, version=VERSION, version_cap=version_cap)

    def _cast(self, context, host, method, **kwargs):
        self.client.prepare(server=host).cast(context, method, **kwargs)

    def reboot_instance(self, context, instance, reboot_type):
        self._cast(context, instance['host'], 'reboot_instance',
                   instance=instance, reboot_type=reboot_type)

    def build_and_run_instance(self, context, instance):
        self._cast(context, instance['host'], 'build_and_run_instance', instance=instance)

    def terminate_instance(self, context, instance):
        self._cast(context, instance['host'], 'terminate_instance', instance=instance)

    def resend(self, context, instance, method, **kwargs):
        """Cast ``method`` again for a stuck task (the api watchdog)."""
        self._cast(context, instance['host'], method, instance=instance, **kwargs)

    def run_power_action(self, context, instance, method):
        """Cast one of the table-driven power actions (start_instance, stop_instance, ...)."""
        self._cast(context, instance['host'], method, instance=instance)
