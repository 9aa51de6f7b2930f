"""Casts published lean: the exact message oslo.messaging casts, from one kombu connection.

oslo.messaging's cast (rabbit driver) costs ~0.6 ms of CPU here: the client's prepare,
the driver's connection pool, kombu's ``ensure``/``autoretry`` wrapping, then a
persistent publish that waits for the broker's publisher confirm. A Publisher sends the
same body (the 2.0 envelope, context keys, ``_unique_id``) to the same exchange
(``control_exchange``, declared as oslo.messaging declares it, or passively if that is
refused) and routing key, from one connection per process, kind and transport URL (the
services of a process share it), opened at the first publish; a confirmed kind may open
a few more when publishes overlap (each waits for its confirm on its own connection):

- ``persistent`` and ``confirm_timeout`` as its user needs them. A confirmed publish
  returns True only once the broker acknowledged it (as oslo.messaging's cast);
  unconfirmed and transient is for what the next message replaces (a heartbeat).
- Any error (the connect, the write, a nack, no confirm within ``confirm_timeout``)
  closes the connection and returns False: the caller sends that message through
  oslo.messaging instead, and a later publish (not sooner than ``RETRY_AFTER``) connects
  again. A message whose confirm did not come may have reached the broker: what goes
  through a Publisher must be idempotent on its consumer, as a cast retried by
  oslo.messaging after a lost confirm already must be.
- Nothing waits long: the connect and each write time out after a couple of seconds, and
  a publish that finds another publishing or connecting for ``LOCK_WAIT`` takes the
  oslo.messaging path.
- The connection negotiates no AMQP heartbeat (it only reads when the broker sent
  something); before each publish it takes what the broker sent meanwhile, so a
  connection or channel the broker closed (a forced close, the exchange deleted) fails
  that message over to oslo.messaging instead of losing the next ones.
- The broker lists the connection as ``<name>:<pid>`` (its ``connection_name``). At the
  process's exit (``atexit``) the shared connections are closed with AMQP's closing
  handshake, so the broker sees a client leave rather than a connection dropped.
"""

import atexit
import os
import queue
import select
import threading
import time
import uuid

import kombu
from oslo_log import log as logging
from oslo_messaging._drivers import amqp as rpc_amqp
from oslo_messaging._drivers import common as rpc_common

from cepheid.common import kombu_transport
from cepheid.common import publish_confirms

LOG = logging.getLogger(__name__)

TRANSIENT, PERSISTENT = 1, 2
CONNECT_TIMEOUT = 2.0
WRITE_TIMEOUT = 2.0
LOCK_WAIT = 1.0          # a publish waits this long for another's publish or connect
RETRY_AFTER = 1.0        # after a failure, messages take the oslo.messaging path this long

_shared = {}
_shared_lock = threading.RLock()     # make() may ask for another shared object


def body(context, method, args, version, extra=None):
    """The message an oslo.messaging RPCClient casts ``method(**args)`` at ``version``
    with; ``extra``: more keys of the message (a call's ``_msg_id``, ``_reply_q``)."""
    return envelope(context, {'method': method, 'args': dict(args), 'version': version,
                              **(extra or {})})


def envelope(context, message):
    """``message`` (a dict, not changed) as oslo.messaging's amqp driver sends it, a cast
    or a notification: with a ``_unique_id``, the context's keys, in the 2.0 envelope."""
    msg = dict(message)
    msg[rpc_amqp.UNIQUE_ID] = uuid.uuid4().hex
    rpc_amqp.pack_context(msg, context)
    return rpc_common.serialize_msg(msg)


def shared(conf, *, name, persistent, confirm_timeout, connections=1, url=None):
    """This process's Publisher ``name`` for the transport of ``conf`` (or ``url``, a
    TransportURL: the notification transport's), RabbitMQ only: None for another
    transport."""
    if not kombu_transport.rabbitmq(conf, url):
        return None
    exchange = kombu_transport.topic_exchange(conf)
    return shared_object(
        (name, str(url or conf.transport_url), exchange.name, exchange.durable,
         exchange.auto_delete),
        lambda: Publisher(
            kombu_transport.broker_urls(conf, url), exchange=exchange,
            ssl=kombu_transport.ssl_options(conf), name=name, persistent=persistent,
            confirm_timeout=confirm_timeout, connections=connections))


def shared_object(key, make):
    """This process's object ``key`` (a Publisher, or another user of the broker with a
    ``close()``: compute/step_caller.py), made by ``make()`` at first use and closed by
    ``close_all``. ``make`` may ask for other shared objects."""
    with _shared_lock:
        if not _shared:
            atexit.register(close_all)
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = make()
        return found


def close_all():
    """Close (and forget) this process's shared objects, in the order they were made: at
    exit, or a test's end."""
    with _shared_lock:
        objects = list(_shared.values())
        _shared.clear()
    atexit.unregister(close_all)
    for shared_one in objects:
        shared_one.close()


class _Connection:
    """One of a Publisher's connections: kombu's connection and producer (None until
    connected) and when it last failed."""

    __slots__ = ('conn', 'producer', 'failed_at', 'declared', 'published')

    def __init__(self):
        self.conn = self.producer = self.failed_at = None
        self.declared = set()       # the queues declared on this connection
        self.published = 0          # messages its channel carried (their confirm tags)


class Once:
    """A call made at most once (``publish_bodies``'s ``meanwhile``); what it raises is
    kept for ``reraise``, so that it is not taken for a failed publish."""

    def __init__(self, call):
        self.call, self.error = call, None

    @property
    def pending(self):
        return self.call is not None

    def __call__(self):
        call, self.call = self.call, None
        if call is None:
            return
        try:
            call()
        except Exception as exc:
            self.error = exc

    def reraise(self):
        if self.error is not None:
            raise self.error


class Publisher:
    """``publish(...)`` is True when the message left on one of this publisher's
    connections (and, with ``confirm_timeout``, the broker confirmed it), False when the
    caller must cast it through oslo.messaging. Thread-safe. A publish takes a
    connection no other publish is using, the most recently used first; a second one
    (up to ``connections``) is opened only when publishes overlap, so a confirmed
    publisher shared by many threads is not one queue of confirm waits."""

    def __init__(self, urls, *, exchange, name, ssl=False, persistent=False,
                 confirm_timeout=None, connections=1, connection_factory=kombu.Connection):
        self.urls = list(urls)
        self.exchange = exchange
        self.name = name
        self.ssl = ssl
        self.delivery_mode = PERSISTENT if persistent else TRANSIENT
        self.confirm_timeout = confirm_timeout
        self._factory = connection_factory
        self._all = [_Connection() for _ in range(connections)]
        self._free = queue.LifoQueue()
        for connection in reversed(self._all):
            self._free.put(connection)
        self._closed = False
        # messages published; handed back to the caller (oslo.messaging's cast); errors
        self.published = self.declined = self.failed = 0

    def publish(self, context, *, topic, method, args, version, extra=None):
        """Publish ``method(**args)`` cast at ``version`` with routing key ``topic``
        (``topic.server`` for a cast to one server); ``extra``: see ``body``."""
        return self.publish_body(lambda: body(context, method, args, version, extra),
                                 topic=topic)

    def publish_body(self, make_body, *, topic, default_queue=None):
        """Publish ``make_body()`` (a message as oslo.messaging's driver sends it) with
        routing key ``topic``. ``default_queue``: a kombu Queue declared (bound to the
        exchange) on the connection before its first message to it, as oslo.messaging
        declares a notification topic's default queue so that nothing is lost before a
        consumer comes."""
        try:
            connection = self._free.get(timeout=LOCK_WAIT)
        except queue.Empty:
            self.declined += 1
            return False
        try:
            if self._closed or (connection.producer is None
                                and not self._connect(connection)):
                self.declined += 1
                return False
            return self._publish_one(connection, make_body, topic, default_queue)
        finally:
            self._free.put(connection)

    def _publish_one(self, connection, make_body, topic, default_queue):
        options = {}
        if self.confirm_timeout is not None:
            options['confirm_timeout'] = self.confirm_timeout
        try:
            self._take_incoming(connection)
            self._write(connection, make_body, topic, default_queue, options)
        except Exception as exc:
            self._failed(connection, exc)
            self.declined += 1
            return False
        self.published += 1
        return True

    def publish_bodies(self, messages, *, meanwhile=None):
        """Publish ``messages`` (``(make_body, topic, default_queue)`` each, as
        ``publish_body`` takes them) in order on one connection; with ``confirm_timeout``
        wait once for the broker's confirms of them all, not after each
        (common/publish_confirms.py). One bool per message, as ``publish_body`` answers:
        False for each the caller must send through oslo.messaging (any error, nack or
        missing confirm closes the connection, as there).

        ``meanwhile``: called once in this thread, after the messages are written and
        before the wait for their confirms, so that a round trip of the caller's own
        overlaps the broker's; when nothing could be written, before this returns. What
        it raises is raised once the messages are settled."""
        then = Once(meanwhile)
        try:
            sent = self._publish_bodies(list(messages), then)
        finally:
            then()
        then.reraise()
        return sent

    def _publish_bodies(self, messages, then):
        if self.confirm_timeout is None or (len(messages) < 2 and not then.pending):
            return [self.publish_body(make_body, topic=topic, default_queue=default_queue)
                    for make_body, topic, default_queue in messages]
        try:
            connection = self._free.get(timeout=LOCK_WAIT)
        except queue.Empty:
            self.declined += len(messages)
            return [False] * len(messages)
        try:
            if self._closed or (connection.producer is None
                                and not self._connect(connection)):
                self.declined += len(messages)
                return [False] * len(messages)
            channel = connection.producer.channel
            if not publish_confirms.supported(channel):
                return [self._publish_one(connection, *message) for message in messages]
            # Deferred numbers the batch's tags on from the channel's count, which _write
            # keeps as for a single publish.
            deferred = publish_confirms.Deferred(channel, connection.published)
            try:
                self._take_incoming(connection)
                for _make_body, _topic, default_queue in messages:
                    # before any write: a confirm read meanwhile would be lost
                    self._declare(connection, default_queue)
                with deferred:
                    for make_body, topic, default_queue in messages:
                        self._write(connection, make_body, topic, default_queue, {})
                    then()
                    deferred.wait(self.confirm_timeout)
            except Exception as exc:
                self._failed(connection, exc)
                sent = deferred.published_ok(len(messages))
                self.published += sum(sent)
                self.declined += len(messages) - sum(sent)
                return sent
            self.published += len(messages)
            return [True] * len(messages)
        finally:
            self._free.put(connection)

    def _write(self, connection, make_body, topic, default_queue, options):
        """One message through kombu's producer (its default queue declared first, once
        per connection)."""
        self._declare(connection, default_queue)
        connection.producer.publish(make_body(), exchange=self.exchange, routing_key=topic,
                                    delivery_mode=self.delivery_mode, serializer='json',
                                    **options)
        if self.confirm_timeout is not None:
            connection.published += 1

    @staticmethod
    def _declare(connection, default_queue):
        if default_queue is not None and default_queue.name not in connection.declared:
            default_queue(connection.producer.channel).declare()
            connection.declared.add(default_queue.name)

    def opened(self):
        """The kombu connections open now (the tests look at their sockets)."""
        return [c.conn for c in self._all if c.producer is not None]

    def close(self):
        """Close the connections with the closing handshake (bounded by
        ``WRITE_TIMEOUT`` a step); later messages go through oslo.messaging. A publish in
        progress finishes first (waited for up to ``LOCK_WAIT``)."""
        self._closed = True
        taken = []
        for _ in self._all:
            try:
                taken.append(self._free.get(timeout=LOCK_WAIT))
            except queue.Empty:
                break
        for connection in self._all:
            conn, connection.conn, connection.producer = connection.conn, None, None
            if conn is not None:
                self._close(conn)
        for connection in taken:
            self._free.put(connection)

    def _close(self, conn):
        sock = getattr(conn.connection, 'sock', None) if conn.connected else None
        try:
            if sock is not None:
                sock.settimeout(WRITE_TIMEOUT)      # a broker that stopped answering
            conn.release()
        except Exception as exc:
            LOG.debug('Closing the %s connection: %s', self.name, exc)
            conn.collect()

    def _connect(self, connection):
        failed_at = connection.failed_at
        if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER:
            return False
        try:
            options = {'write_timeout': WRITE_TIMEOUT,
                       'client_properties': {'connection_name': f'{self.name}:{os.getpid()}'}}
            if self.confirm_timeout is not None:
                options['confirm_publish'] = True
            conn = self._factory(self.urls, ssl=self.ssl, heartbeat=0,
                                 connect_timeout=CONNECT_TIMEOUT, transport_options=options)
            connection.conn = conn
            conn.ensure_connection(max_retries=len(self.urls), interval_start=0,
                                   interval_step=0)
            channel = self._declared(conn)
            connection.producer = kombu.Producer(channel)
            connection.declared = set()
            connection.published = 0
        except Exception as exc:
            self._failed(connection, exc)
            return False
        if failed_at is not None:
            LOG.info('%s: publishing lean again', self.name)
        connection.failed_at = None
        return True

    @staticmethod
    def _take_incoming(connection):
        """Read what the broker sent (a connection.close or channel.close raises here);
        nothing to read costs one ``select``."""
        conn = connection.conn
        sock = getattr(conn.connection, 'sock', None)   # none: kombu's memory://
        while sock is not None and select.select([sock], [], [], 0)[0]:
            conn.drain_events(timeout=WRITE_TIMEOUT)

    def _declared(self, conn):
        """A channel on which the exchange exists: declared as oslo.messaging declares
        it, or (refused: declared otherwise by someone) passively."""
        channel = conn.channel()
        try:
            self.exchange(channel).declare()
            return channel
        except conn.channel_errors as exc:
            LOG.info('Exchange %s not declared as oslo.messaging would (%s): using it '
                     'as it is', self.exchange.name, exc)
        channel = conn.channel()
        self.exchange(channel).declare(passive=True)
        return channel

    def _failed(self, connection, exc):
        self.failed += 1
        if connection.failed_at is None:
            LOG.warning('%s: a lean publish failed (%s): messages go through oslo.messaging '
                        'until a connection is made again', self.name, exc)
        connection.failed_at = time.monotonic()
        conn, connection.conn, connection.producer = connection.conn, None, None
        if conn is not None:
            try:
                conn.collect()      # the socket closed, no closing handshake to wait for
            except Exception:
                LOG.debug('Dropping the broken %s connection failed', self.name,
                          exc_info=True)
