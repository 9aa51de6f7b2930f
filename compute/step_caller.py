"""The called steps of an operation (a reboot's ``begin``) made lean over RabbitMQ.

oslo.messaging's call costs the compute more than twice its cast in CPU (the issue's
unit costs: 2.0 against 0.83 ms): the client's prepare, the driver's connection pool and
``ensure``, a persistent publish waiting for the broker's confirm, and the reply
waiter's thread hand-offs. With ``[DEFAULT] steps_caller = lean`` (the default) and
RabbitMQ, a Caller sends the same request body (the 2.0 envelope, the context's keys,
``_msg_id``, ``_reply_q``, ``_timeout``) to the same exchange and topic from a lean
publisher of its own, transient and unconfirmed, and takes the api's answer
(oslo.messaging's reply format: api/rpc_envelope.py) on a reply queue of its own
(exclusive, a new one per connection, one per process and transport URL). A call's own
thread reads the replies while it waits, when no other does: at one call at a time the
answer wakes the thread that waits for it, with no hand-off. The Caller's reply thread
reads them while calls wait and none of their threads reads (the reader left with its own
answer), and owns the connection: it connects, and drops and renews it.
The broker lists its connections as ``cepheid-steps-caller:<pid>`` (the replies) and
``cepheid-steps-caller-publisher:<pid>`` (the requests); both are closed at the
process's exit. The caller raises what oslo.messaging's call would have raised: the
api's exception rebuilt, or MessagingTimeout.

A call it cannot make (its reply queue not consumed yet, or lost with its connection;
the publish failing) returns ``NOT_TAKEN`` and goes through oslo.messaging, the request
possibly twice: every step is idempotent on the api's side (compute/conductor_rpcapi.py),
as for a call oslo.messaging retries. A lost request or answer (the broker restarted)
times out as oslo.messaging's would, and ConductorAPI retries it.
"""

import json
import os
import threading
import time
import uuid

import kombu
import oslo_messaging
from oslo_log import log as logging
from oslo_messaging._drivers import common as rpc_common

from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc

LOG = logging.getLogger(__name__)

CONNECTION_NAME = 'cepheid-steps-caller'
CONNECT_TIMEOUT = 2.0
# How long the reply thread waits for a message before it looks at its state again.
POLL_SECONDS = 1.0
# After a lost connection, the calls go through oslo.messaging this long.
RETRY_AFTER = 1.0
NOT_TAKEN = object()
# The reader when the reply thread reads the replies.
_THREAD = object()


class _Waiter:
    __slots__ = ('event', 'reply')

    def __init__(self):
        self.event, self.reply = threading.Event(), None


class Caller:
    """``call(...)``: the api's answer, an exception, or ``NOT_TAKEN``. Thread-safe."""

    def __init__(self, urls, *, publisher, ssl=False, name=CONNECTION_NAME,
                 connection_factory=kombu.Connection):
        self.urls, self.ssl, self.name = list(urls), ssl, name
        self.publisher = publisher
        self.reply_q = None      # a new exclusive queue per connection
        self._factory = connection_factory
        self._waiters = {}
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)     # the reader left, or is wanted
        self._conn = None        # the reply queue's connection while it is consumed
        self._reader = None      # the waiter whose thread reads the replies now, or _THREAD
        self._broken = None      # what a calling thread met reading the connection
        self._ready = threading.Event()
        self._closed = threading.Event()
        # Set by a call that timed out: the thread makes a new connection and queue (a
        # connection without heartbeats may be dead without a word from the broker).
        self._renew = threading.Event()
        self._lost = False          # the queue was lost: one warning until it is back
        self._thread = None
        # calls answered here; handed back (NOT_TAKEN); timed out
        self.answered = self.declined = self.timed_out = 0

    def call(self, context, *, topic, method, args, version, timeout):
        if not self._ready.is_set():
            self._start()
            self.declined += 1
            return NOT_TAKEN
        msg_id = uuid.uuid4().hex
        waiter = _Waiter()
        with self._lock:
            self._waiters[msg_id] = waiter
            conn = self._conn
            reads = conn is not None and self._reader is None
            if reads:
                self._reader = waiter
        # Read after registering: a queue lost before this sees not ready; one lost after
        # hands this waiter back (the thread clears ready, then fails those waiting).
        reply_q = self.reply_q
        extra = {'_msg_id': msg_id, '_reply_q': reply_q, '_timeout': timeout}
        try:
            if not self._ready.is_set() or not self.publisher.publish(
                    context, topic=topic, method=method, args=args, version=version,
                    extra=extra):
                self.declined += 1
                return NOT_TAKEN
            if reads:
                answered = self._read_replies(conn, waiter, timeout)
            else:
                answered = waiter.event.wait(timeout)
            if not answered:
                self.timed_out += 1
                self._renew.set()
                raise oslo_messaging.MessagingTimeout(
                    f'Timed out waiting for a reply to message ID {msg_id}')
        finally:
            with self._lock:
                self._waiters.pop(msg_id, None)
                self._leave(waiter)
        if waiter.reply is None:        # the reply queue went with its connection
            self.declined += 1
            return NOT_TAKEN
        self.answered += 1
        failure = waiter.reply.get('failure')
        if failure:
            raise rpc_common.deserialize_remote_exception(failure, rpc.ALLOWED_EXMODS)
        return waiter.reply.get('result')

    def _read_replies(self, conn, waiter, timeout):
        """Read the reply queue in this (the calling) thread until ``waiter`` is answered
        (or handed back): True, or False when ``timeout`` passed. Leaves the reading to
        the reply thread when it wants the connection back, and waits as the others."""
        deadline = time.monotonic() + timeout
        while not waiter.event.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._stopping():
                with self._lock:
                    self._leave(waiter)
                return waiter.event.wait(remaining)
            try:
                conn.drain_events(timeout=min(remaining, POLL_SECONDS))
            except TimeoutError:
                continue
            except Exception as exc:
                # The connection and its queue are gone: every call waiting is handed
                # back at once, and the reply thread connects again.
                with self._lock:
                    self._broken = exc
                    self._leave(waiter)
                self._ready.clear()
                self._fail_waiting()
        return True

    def _leave(self, waiter):
        """``waiter``'s thread stops reading (the lock held): the reply thread reads for
        the calls still waiting, or takes its connection back."""
        if self._reader is waiter:
            self._reader = None
            if self._stopping() or self._unanswered():
                self._turn.notify_all()

    def _unanswered(self):
        """Whether a call waits for its answer still (the lock held)."""
        return any(not waiter.event.is_set() for waiter in self._waiters.values())

    def _stopping(self):
        return self._closed.is_set() or self._renew.is_set() or self._broken is not None

    def close(self):
        self._closed.set()
        self._ready.clear()
        with self._lock:
            self._turn.notify_all()
        if self._thread is not None:
            self._thread.join(POLL_SECONDS * 3)

    # -- the reply thread -----------------------------------------------------------
    def _start(self):
        with self._lock:
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._run, name=self.name,
                                                daemon=True)
                self._thread.start()

    def _run(self):
        while not self._closed.is_set():
            conn = None
            try:
                self._renew.clear()
                conn = self._connect()
                with self._lock:
                    self._conn, self._broken = conn, None
                self._ready.set()
                if self._lost:
                    LOG.info('%s: calls lean again', self.name)
                    self._lost = False
                self._serve(conn)
                if self._broken is not None:
                    raise self._broken
                if self._renew.is_set():
                    LOG.info('%s: a call got no answer: a new connection and reply '
                             'queue', self.name)
            except Exception as exc:
                if not self._closed.is_set() and not self._lost:
                    self._lost = True
                    LOG.warning('%s: the reply queue was lost (%s): calls go through '
                                'oslo.messaging until it is consumed again', self.name, exc)
            finally:
                self._ready.clear()
                self._take_back()
                self._fail_waiting()
                if conn is not None:
                    self._drop(conn)
            self._closed.wait(RETRY_AFTER)

    def _serve(self, conn):
        """Read the replies while calls wait and none of their threads reads them; return
        when the connection is to be closed or renewed (or a calling thread lost it)."""
        while True:
            with self._lock:
                while not self._stopping() and (self._reader is not None
                                                or not self._unanswered()):
                    self._turn.wait(POLL_SECONDS)
                if self._stopping():
                    return
                self._reader = _THREAD
            try:
                conn.drain_events(timeout=POLL_SECONDS)
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    self._reader = None

    def _take_back(self):
        """No new reader; wait until a calling thread that reads has left the connection
        (it looks each POLL_SECONDS at most)."""
        with self._lock:
            self._conn = None
            while self._reader is not None and self._reader is not _THREAD:
                self._turn.wait(POLL_SECONDS)

    def _drop(self, conn):
        """Close with the closing handshake when the connection still works (a close),
        else just let go of the socket."""
        try:
            if self._closed.is_set():
                conn.release()
                return
        except Exception as exc:
            LOG.debug('Closing the %s connection: %s', self.name, exc)
        conn.collect()

    def _connect(self):
        conn = self._factory(
            self.urls, ssl=self.ssl, heartbeat=0, connect_timeout=CONNECT_TIMEOUT,
            transport_options={'client_properties': {
                'connection_name': f'{self.name}:{os.getpid()}'}})
        conn.ensure_connection(max_retries=len(self.urls), interval_start=0,
                               interval_step=0)
        channel = conn.channel()
        self.reply_q = f'{self.name}-{os.getpid()}-{uuid.uuid4().hex}'
        queue = kombu.Queue(self.reply_q, exchange=kombu.Exchange('', 'direct'),
                            routing_key=self.reply_q, durable=False, auto_delete=True,
                            exclusive=True, channel=channel)
        queue.declare()
        kombu.Consumer(channel, [queue], callbacks=[self._on_reply], no_ack=True,
                       accept=['json']).consume()
        return conn

    def _on_reply(self, body, message):
        try:
            if isinstance(body, dict) and 'oslo.message' in body:
                body = json.loads(body['oslo.message'])
            msg_id = body['_msg_id']
        except (TypeError, KeyError, ValueError) as exc:
            LOG.warning('%s: a reply that is not one dropped (%s)', self.name, exc)
            return
        with self._lock:
            waiter = self._waiters.get(msg_id)
        if waiter is not None and body.get('ending', True):
            waiter.reply = body
            waiter.event.set()

    def _fail_waiting(self):
        """The calls waiting now lost their replies with the queue: hand them back."""
        with self._lock:
            waiting = list(self._waiters.values())
        for waiter in waiting:
            waiter.event.set()


def for_conf(conf):
    """This process's Caller over the transport of ``conf``, or None (``steps_caller =
    rpc``, or not RabbitMQ): the called steps go through oslo.messaging. Shared, and
    closed at exit, as the lean publishers are (common/lean_publisher.shared_object)."""
    if conf.steps_caller != 'lean' or not kombu_transport.rabbitmq(conf):
        return None
    return lean_publisher.shared_object((CONNECTION_NAME, conf.transport_url), lambda: Caller(
        kombu_transport.broker_urls(conf), ssl=kombu_transport.ssl_options(conf),
        publisher=lean_publisher.shared(conf, name=f'{CONNECTION_NAME}-publisher',
                                        persistent=False, confirm_timeout=None,
                                        connections=2)))


#: Close this process's Callers (and lean publishers): a test's end.
close_all = lean_publisher.close_all
