"""oslo.messaging plumbing: transports, RPC client/server and notifier factories."""

import concurrent.futures
import functools

import oslo_messaging
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.common import broker_reconnects
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import lean_notifier

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


class RPCExecutor(concurrent.futures.ThreadPoolExecutor):
    """The thread pool of Cepheid's threading RPC servers, in place of oslo.messaging's
    (futurist's ThreadPoolExecutor). Futurist adds a worker for every message received
    until ``executor_thread_pool_size`` (64) whatever the idle ones, and each worker wakes
    every second while idle (a queue get with a 1 s timeout), forever: an idle compute
    that has received 64 messages wakes 64 times a second. The standard library's workers
    wait on their queue without a timeout, and one is added only when none is idle.
    ``max_workers`` is still ``executor_thread_pool_size``.

    ``at_once``: a predicate on an incoming message (its dict: ``method``, ``args``). A
    message it accepts runs in the thread that received it (the server's listener),
    without a hand-off to a worker: for the endpoints' methods that only check a message
    and queue its work elsewhere (a compute's casts, compute/endpoint.py), where the
    hand-off cost as much as the method. A predicate that raises declines."""

    def __init__(self, max_workers, at_once=None):
        super().__init__(max_workers=max_workers, thread_name_prefix='rpc-executor')
        self._at_once = at_once
        self.ran_at_once = 0

    def submit(self, fn, /, *args, **kwargs):
        if self._at_once is None or not self._accepts(args):
            return super().submit(fn, *args, **kwargs)
        self.ran_at_once += 1
        future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def _accepts(self, args):
        """Whether the server's ``(incoming,)`` is a message ``at_once`` accepts."""
        try:
            (incoming,) = args
            return bool(self._at_once(incoming[0].message))
        except Exception:
            return False


def get_server(conf, transport, topic, *, server, endpoints, expected=(), translate=None,
               at_once=None):
    """An RPC server on ``topic``/``server``; threads (RPCExecutor) unless the eventlet
    executor is chosen.

    ``expected``: exceptions the endpoints raise as a normal outcome (not logged as errors);
    ``translate``: see ExpectingEndpoint; ``at_once``: see RPCExecutor (threads only).
    """
    target = oslo_messaging.Target(topic=topic, server=server)
    kwargs = {}
    if conf.executor == 'eventlet':
        kwargs['executor'] = 'eventlet'
    if expected or translate:
        endpoints = [ExpectingEndpoint(e, expected, translate) for e in endpoints]
    rpc_server = oslo_messaging.get_rpc_server(
        transport, target, endpoints, serializer=RequestContextSerializer(),
        access_policy=rpc_dispatcher.DefaultRPCAccessPolicy, **kwargs)
    # The server makes its pool at start() from this class (no public way to pass one).
    if conf.executor != 'eventlet' and hasattr(rpc_server, '_executor_cls'):
        rpc_server._executor_cls = functools.partial(RPCExecutor, at_once=at_once)
    return rpc_server


def set_listener_min_wait(seconds):
    """The first wait of this process's idle AMQP listeners (RPC servers, the reply waiter)
    after a message; 0 or less leaves oslo.messaging's. Returns whether it was set.

    oslo.messaging's rabbit listeners wait 1 ms after every message received, doubling up
    to 5 s (``amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN``/``MAX``, constants, no option):
    each wake runs the acknowledgements and requeues other threads queued, which only
    notification listeners do (an RPC listener and the reply waiter acknowledge as they
    receive). So each message costs ~13 wake-ups over the next ~8 s (each a timed-out
    read, an AMQP heartbeat check, oslo.messaging's Timeout through its retry wrapper). With
    ``seconds`` the doubling starts there (0.25: 5 wake-ups), up to the longest wait
    (``set_listener_max_wait``). Process-wide: only for processes with no notification
    listener (a compute).
    """
    if seconds <= 0:
        return False
    waits = _listener_waits()
    if waits is None:
        return False    # another oslo.messaging: its own waits
    amqpdriver, _, longest = waits
    amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN = min(float(seconds), longest)
    return True


def set_listener_max_wait(seconds):
    """The longest wait of this process's idle AMQP listeners (oslo.messaging's 5 s); 0 or
    less leaves oslo.messaging's. Returns whether it was set.

    An idle listener wakes once per longest wait: a timed-out read, an AMQP heartbeat
    check and oslo.messaging's Timeout through its retry wrapper, ~0.5 ms of CPU. The
    listener reads no longer than oslo.messaging's heartbeat wait at a time anyway
    (``heartbeat_timeout_threshold / heartbeat_rate / 2``, 10 s by default), so longer
    values change nothing. A stopping RPC server notices the stop only at its listener's
    next wake, so whoever stops one gracefully sends it a message first (a compute: an
    empty ``run_casts``, compute/service.py). Process-wide, as the first wait; a first
    wait above it is lowered to it.
    """
    if seconds <= 0:
        return False
    waits = _listener_waits()
    if waits is None:
        return False
    amqpdriver, first, _ = waits
    amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX = float(seconds)
    amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN = min(first, float(seconds))
    return True


def listener_reads_long(transport):
    """Whether ``transport``'s RPC listeners read for up to the longest wait of
    ``set_listener_max_wait`` (oslo.messaging's AMQP drivers: rabbit), so a graceful stop
    wakes them with a message. Other drivers' listeners see a stop at once (the fake
    driver polls every 50 ms): a wake message there would only be left in the queue."""
    from oslo_messaging._drivers import amqpdriver
    driver = getattr(transport, '_driver', None)
    return isinstance(driver, amqpdriver.AMQPDriverBase)


def _listener_waits():
    """``(amqpdriver, first, longest)``, or None when oslo.messaging has no such constants."""
    from oslo_messaging._drivers import amqpdriver
    first = getattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', None)
    longest = getattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX', None)
    if not all(isinstance(v, (int, float)) for v in (first, longest)):
        return None
    return amqpdriver, first, longest


def get_notifier(conf, transport, publisher_id, topics):
    """A Notifier on ``topics`` (messagingv2 unless the operator configured a driver):
    published lean over RabbitMQ (common/lean_notifier.py) unless ``[notifications]
    publisher = rpc``."""
    lean = lean_notifier.notifier(conf, transport, publisher_id=publisher_id,
                                  topics=topics, serializer=RequestContextSerializer())
    if lean is not None:
        return lean
    # None means the configured [oslo_messaging_notifications] driver list.
    driver = None if conf.oslo_messaging_notifications.driver else 'messagingv2'
    return oslo_messaging.Notifier(
        transport, publisher_id=publisher_id, driver=driver, topics=topics,
        serializer=RequestContextSerializer())
