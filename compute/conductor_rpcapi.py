"""Client of the api service's conductor endpoint: every DB write a compute makes.

Calls where the compute needs the answer (a CAS), casts where it does not (heartbeats).
"""

from cepheid.common import rpc

TOPIC = 'cepheid-api'
VERSION = '1.0'


class ConductorAPI:
    def __init__(self, transport, *, host, timeout=None):
        self.host = host
        self.client = rpc.get_client(transport, TOPIC, version=VERSION, timeout=timeout)

    def task_begin(self, context, instance_uuid, *, event, values, expected_task_state):
        return self.client.call(context, 'task_begin', host=self.host,
                                instance_uuid=instance_uuid, event=event, values=values,
                                expected_task_state=list(expected_task_state))

    def task_update(self, context, instance_uuid, *, values, expected_task_state):
        return self.client.call(context, 'task_update', host=self.host,
                                instance_uuid=instance_uuid, values=values,
                                expected_task_state=list(expected_task_state))

    def task_finish(self, context, instance_uuid, *, event, result, values=None,
                    expected_task_state=None, traceback=None, fault=None):
        return self.client.call(
            context, 'task_finish', host=self.host, instance_uuid=instance_uuid, event=event,
            result=result, values=values,
            expected_task_state=list(expected_task_state or [None]),
            traceback=traceback, fault=fault)

    def instance_destroy(self, context, instance_uuid, *, event):
        return self.client.call(context, 'instance_destroy', host=self.host,
                                instance_uuid=instance_uuid, event=event)

    def instances_on_host(self, context):
        return self.client.call(context, 'instances_on_host', host=self.host)

    def instances_for_recovery(self, context):
        return self.client.call(context, 'instances_for_recovery', host=self.host)

    def service_heartbeat(self, context, *, binary, topic, wait=False):
        """Report this service alive; ``wait`` makes it a call (used once at start-up)."""
        if wait:
            self.client.prepare(timeout=10).call(context, 'service_heartbeat', host=self.host,
                                                 binary=binary, topic=topic)
        else:
            self.client.cast(context, 'service_heartbeat', host=self.host, binary=binary,
                             topic=topic)
