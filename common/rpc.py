"""oslo.messaging plumbing: transports, RPC client/server and notifier factories."""

import oslo_messaging
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.common import broker_reconnects
from cepheid.common import context as cep_context
from cepheid.common import exception

ALLOWED_EXMODS = [exception.__name__]


class RequestContextSerializer(oslo_messaging.NoOpSerializer):
    """Carries the RequestContext across the bus; entities are plain JSON-able dicts."""

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return cep_context.RequestContext.from_dict(context)


def error_to_primitive(exc):
    """An exception as JSON, for a reply that carries several results (a batch): a
    Cepheid domain error by class name and kwargs, anything else by type and message."""
    if isinstance(exc, exception.CepheidException):
        return {'class': type(exc).__name__, 'message': exc.message,
                'kwargs': {k: v for k, v in exc.kwargs.items() if _jsonable(v)}}
    return {'class': None, 'type': type(exc).__name__, 'message': str(exc)}


def error_from_primitive(error):
    """The exception ``error_to_primitive`` described: the domain error itself, else a
    RemoteError (as oslo.messaging raises for an exception it may not rebuild)."""
    cls = getattr(exception, error.get('class') or '', None)
    if isinstance(cls, type) and issubclass(cls, exception.CepheidException):
        return cls(error.get('message'), **(error.get('kwargs') or {}))
    return oslo_messaging.RemoteError(error.get('type'), error.get('message'))


def _jsonable(value):
    return value is None or isinstance(value, (str, int, float, bool, list, tuple, dict))


def get_rpc_transport(conf):
    broker_reconnects.watch()
    return oslo_messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_notification_transport(conf):
    broker_reconnects.watch()
    return oslo_messaging.get_notification_transport(
        conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_client(transport, topic, *, version, server=None, version_cap=None, timeout=None):
    """An RPCClient for ``topic``; ``prepare(server=...)`` picks a host per message."""
    target = oslo_messaging.Target(topic=topic, server=server, version=version)
    return oslo_messaging.get_rpc_client(
        transport, target, version_cap=version_cap, timeout=timeout,
        serializer=RequestContextSerializer())


class ExpectingEndpoint:
    """An endpoint seen through the RPC server: ``expected`` exceptions still reach the
    caller, but the server logs them at DEBUG instead of an ERROR traceback (they are
    the normal outcome of a race). ``translate(exc)`` may replace an exception by a
    domain one first (or return None). Direct calls on the endpoint are unchanged."""

    def __init__(self, endpoint, expected, translate=None):
        self._endpoint, self._expected = endpoint, tuple(expected)
        self._translate = translate
        self.target = getattr(endpoint, 'target', None)

    def __getattr__(self, name):
        attr = getattr(self._endpoint, name)
        if name.startswith('_') or not callable(attr):
            return attr
        return oslo_messaging.expected_exceptions(*self._expected)(self._translating(attr))

    def _translating(self, method):
        if self._translate is None:
            return method

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                replacement = self._translate(exc)
                if replacement is None:
                    raise
                raise replacement from None
        return call


def get_server(conf, transport, topic, *, server, endpoints, expected=(), translate=None):
    """An RPC server on ``topic``/``server``; threads unless the eventlet executor is chosen.

    ``expected``: exceptions the endpoints raise as a normal outcome (not logged as errors);
    ``translate``: see ExpectingEndpoint.
    """
    target = oslo_messaging.Target(topic=topic, server=server)
    kwargs = {}
    if conf.executor == 'eventlet':
        kwargs['executor'] = 'eventlet'
    if expected or translate:
        endpoints = [ExpectingEndpoint(e, expected, translate) for e in endpoints]
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
