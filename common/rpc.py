"""oslo.messaging plumbing: transports, RPC client/server and notifier factories."""

import oslo_messaging
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.common import context as cep_context
from cepheid.common import exception

ALLOWED_EXMODS = [exception.__name__]


class RequestContextSerializer(oslo_messaging.NoOpSerializer):
    """Carries the RequestContext across the bus; entities are plain JSON-able dicts."""

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return cep_context.RequestContext.from_dict(context)


def get_rpc_transport(conf):
    return oslo_messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_notification_transport(conf):
    return oslo_messaging.get_notification_transport(
        conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_client(transport, topic, *, version, server=None, version_cap=None, timeout=None):
    """An RPCClient for ``topic``; ``prepare(server=...)`` picks a host per message."""
    target = oslo_messaging.Target(topic=topic, server=server, version=version)
    return oslo_messaging.get_rpc_client(
        transport, target, version_cap=version_cap, timeout=timeout,
        serializer=RequestContextSerializer())


def get_server(conf, transport, topic, *, server, endpoints):
    """An RPC server on ``topic``/``server``; threads unless the eventlet executor is chosen."""
    target = oslo_messaging.Target(topic=topic, server=server)
    kwargs = {}
    if conf.executor == 'eventlet':
        kwargs['executor'] = 'eventlet'
    return oslo_messaging.get_rpc_server(
        transport, target, endpoints, serializer=RequestContextSerializer(),
        access_policy=rpc_dispatcher.DefaultRPCAccessPolicy, **kwargs)


def get_notifier(conf, transport, publisher_id, topics):
    """A Notifier on ``topics`` (messagingv2 unless the operator configured a driver)."""
    # None means the configured [oslo_messaging_notifications] driver list.
    driver = None if conf.oslo_messaging_notifications.driver else 'messagingv2'
    return oslo_messaging.Notifier(
        transport, publisher_id=publisher_id, driver=driver, topics=topics,
        serializer=RequestContextSerializer())
