"""The computes' heartbeat casts published lean: transient, unconfirmed, one connection.

oslo.messaging publishes every cast persistent (kombu's default delivery mode) and waits
for the broker's publisher confirm (``confirm_publish`` is always on in its rabbit
driver); taking in such a publish is most of what the idle broker spends on a
heartbeat (docs/scale.md). A heartbeat needs neither: a lost one is replaced by the next
within ``report_interval``. When the transport is RabbitMQ, ``[DEFAULT]
heartbeat_publisher`` is ``lean`` (the default) and the api named its heartbeat topic,
ConductorAPI hands its (non-called) heartbeats to a Publisher: the exact body an
oslo.messaging RPCClient casts (the 2.0 envelope, context keys, ``_unique_id``), to the
same exchange (``control_exchange``, declared as oslo.messaging declares it, or
passively if that is refused) and routing key, with delivery mode 1 and no confirm, from
one kombu connection per process and transport URL (the hosts of a process share it),
opened at the first beat. Any error closes the connection and returns False: that beat
goes through oslo.messaging's cast instead, and a later beat (not sooner than
``RETRY_AFTER``) connects again. Nothing waits long: the connect and each write time out
after a couple of seconds, and a beat that finds another host's beat connecting takes the
oslo.messaging path. The connection negotiates no AMQP heartbeat (it only reads when
the broker sent something); before each publish it takes what the broker sent meanwhile,
so a connection or channel the broker closed (a forced close, the exchange deleted)
fails that beat over to oslo.messaging instead of losing the next ones. The broker lists
the connection as ``cepheid-heartbeat-publisher:<pid>`` (its ``connection_name``). At
the process's exit (``atexit``) the shared connections are closed with AMQP's closing
handshake, so the broker sees a client leave rather than a connection dropped.
"""

import atexit
import os
import select
import threading
import time
import uuid

import kombu
from oslo_log import log as logging
from oslo_messaging._drivers import amqp as rpc_amqp
from oslo_messaging._drivers import common as rpc_common

from cepheid.common import kombu_transport

LOG = logging.getLogger(__name__)

TRANSIENT = 1
CONNECT_TIMEOUT = 2.0
WRITE_TIMEOUT = 2.0
LOCK_WAIT = 1.0          # a beat waits this long for another's publish or connect
RETRY_AFTER = 1.0        # after a failure, beats take the oslo.messaging path this long
CONNECTION_NAME = 'cepheid-heartbeat-publisher'

_shared = {}
_shared_lock = threading.Lock()


def body(context, method, args, version):
    """The message an oslo.messaging RPCClient casts ``method(**args)`` at ``version``
    with (amqpdriver: the message, ``_unique_id``, the context's keys, the envelope)."""
    msg = {'method': method, 'args': dict(args), 'version': version}
    msg[rpc_amqp.UNIQUE_ID] = uuid.uuid4().hex
    rpc_amqp.pack_context(msg, context)
    return rpc_common.serialize_msg(msg)


def for_conf(conf):
    """This process's Publisher for the transport of ``conf``, or None when the beats go
    through oslo.messaging (``heartbeat_publisher = rpc``, or not RabbitMQ)."""
    if conf.heartbeat_publisher != 'lean' or not kombu_transport.rabbitmq(conf):
        return None
    exchange = kombu_transport.topic_exchange(conf)
    key = (conf.transport_url, exchange.name, exchange.durable, exchange.auto_delete)
    with _shared_lock:
        if not _shared:
            atexit.register(close_all)
        if key not in _shared:
            _shared[key] = Publisher(kombu_transport.broker_urls(conf), exchange=exchange,
                                     ssl=kombu_transport.ssl_options(conf))
        return _shared[key]


def close_all():
    """Close (and forget) this process's shared publishers: at exit, or a test's end."""
    with _shared_lock:
        publishers = list(_shared.values())
        _shared.clear()
    atexit.unregister(close_all)
    for publisher in publishers:
        publisher.close()


class Publisher:
    """``publish(...)`` is True when the beat left on this connection, False when the
    caller must cast it through oslo.messaging. Thread-safe; one connection."""

    def __init__(self, urls, *, exchange, ssl=False, connection_factory=kombu.Connection):
        self.urls = list(urls)
        self.exchange = exchange
        self.ssl = ssl
        self._factory = connection_factory
        self._lock = threading.Lock()
        self._conn = self._producer = None
        self._failed_at = None
        self._closed = False
        # beats published; handed back to the caller (oslo.messaging's cast); errors
        self.published = self.declined = self.failed = 0

    def publish(self, context, *, topic, method, args, version):
        if not self._lock.acquire(timeout=LOCK_WAIT):
            self.declined += 1
            return False
        try:
            if self._closed or (self._producer is None and not self._connect()):
                self.declined += 1
                return False
            try:
                self._take_incoming()
                self._producer.publish(body(context, method, args, version),
                                       exchange=self.exchange, routing_key=topic,
                                       delivery_mode=TRANSIENT, serializer='json')
            except Exception as exc:
                self._failed(exc)
                self.declined += 1
                return False
            self.published += 1
            return True
        finally:
            self._lock.release()

    def close(self):
        """Close the connection with the closing handshake (bounded by ``WRITE_TIMEOUT``
        a step); later beats go through oslo.messaging. A publish in progress finishes
        first (waited for up to ``LOCK_WAIT``)."""
        locked = self._lock.acquire(timeout=LOCK_WAIT)
        try:
            self._closed = True
            conn, self._conn, self._producer = self._conn, None, None
        finally:
            if locked:
                self._lock.release()
        if conn is None:
            return
        sock = getattr(conn.connection, 'sock', None) if conn.connected else None
        try:
            if sock is not None:
                sock.settimeout(WRITE_TIMEOUT)      # a broker that stopped answering
            conn.release()
        except Exception as exc:
            LOG.debug('Closing the heartbeat connection: %s', exc)
            conn.collect()

    def _connect(self):
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER:
            return False
        try:
            name = f'{CONNECTION_NAME}:{os.getpid()}'
            conn = self._factory(self.urls, ssl=self.ssl, heartbeat=0,
                                 connect_timeout=CONNECT_TIMEOUT,
                                 transport_options={
                                     'write_timeout': WRITE_TIMEOUT,
                                     'client_properties': {'connection_name': name}})
            self._conn = conn
            conn.ensure_connection(max_retries=len(self.urls), interval_start=0,
                                   interval_step=0)
            channel = self._declared(conn)
            self._producer = kombu.Producer(channel)
        except Exception as exc:
            self._failed(exc)
            return False
        if self._failed_at is not None:
            LOG.info('Heartbeats published lean again')
        self._failed_at = None
        return True

    def _take_incoming(self):
        """Read what the broker sent (a connection.close or channel.close raises here);
        nothing to read costs one ``select``."""
        sock = getattr(self._conn.connection, 'sock', None)   # none: kombu's memory://
        while sock is not None and select.select([sock], [], [], 0)[0]:
            self._conn.drain_events(timeout=WRITE_TIMEOUT)

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

    def _failed(self, exc):
        self.failed += 1
        if self._failed_at is None:
            LOG.warning('Lean heartbeat publish failed (%s): heartbeats go through '
                        'oslo.messaging until a connection is made again', exc)
        self._failed_at = time.monotonic()
        conn, self._conn, self._producer = self._conn, None, None
        if conn is not None:
            try:
                conn.collect()      # the socket closed, no closing handshake to wait for
            except Exception:
                LOG.debug('Dropping the broken heartbeat connection failed', exc_info=True)
