"""A lean consumer of the computes' hot-path conductor messages: no RPC server.

The steps of every operation (``begin``, ``task_advance``, ``task_update``,
``task_finish`` and their ``report_batch``) are most of what the computes send the api.
Through an oslo.messaging RPC server each costs the driver's poll loop, an incoming
message object, an executor hand-off, the dispatcher and a reply through the
connection pool. Here each of ``[api] steps_consumer_threads`` threads holds one kombu
connection consuming the topic ``cepheid-api-steps`` (declared as oslo.messaging
declares a topic queue: the computes send ordinary oslo.messaging calls and casts),
decodes the envelope (api/rpc_envelope.py), runs the conductor endpoint's method in
that thread, answers a call in oslo.messaging's reply format on the same connection,
and only then acks: an api process dying mid-step leaves the message to be redelivered
(every step is idempotent). A cast is acked after it ran, whatever its outcome, as
the RPC server's early ack would have lost it.

The api names the topic in its answer to a compute's called heartbeat (conductor 1.11);
a compute that got none (an older api, ``[api] steps_consumer = rpc``, or a transport
other than RabbitMQ) sends its steps to ``cepheid-api`` as before.
"""

import threading
import time

import kombu
from oslo_log import log as logging
from oslo_messaging import _utils as messaging_utils
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.api import conductor
from cepheid.api import heartbeat_consumer
from cepheid.api import rpc_envelope
from cepheid.common import context as cep_context

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-api-steps'
#: The conductor methods this topic serves: the steps of an operation.
METHODS = frozenset(('begin', 'task_advance', 'task_update', 'task_finish',
                     'report_batch'))


def usable(conf):
    """Whether this api runs the lean consumer: asked for, and the transport is RabbitMQ."""
    return conf.api.steps_consumer == 'lean' and heartbeat_consumer.rabbitmq(conf)


def answer(endpoint, request):
    """Run ``request`` (an rpc_envelope.Request) on the conductor ``endpoint`` as the RPC
    server would: ``(result, None)``, or ``(None, failure)`` with the exception serialized
    as oslo.messaging does (a database outage as ServiceUnavailable)."""
    if request.method not in METHODS or request.namespace is not None:
        exc = rpc_dispatcher.NoSuchMethod(request.method)
    elif not messaging_utils.version_is_compatible(conductor.VERSION, request.version):
        exc = rpc_dispatcher.UnsupportedVersion(request.version, method=request.method)
    else:
        try:
            context = cep_context.RequestContext.from_dict(request.context)
            return getattr(endpoint, request.method)(context, **request.args), None
        except Exception as error:
            exc = conductor.database_unavailable(error) or error
            if exc is error and not isinstance(error, conductor.EXPECTED):
                LOG.exception('Conductor step %s failed', request.method)
    return None, rpc_envelope.failure(exc)


class StepsConsumer:
    """``start``/``stop`` the consumer threads serving ``endpoint`` (the conductor)."""

    thread_name = 'steps-consumer'

    def __init__(self, conf, endpoint, *, threads=None, reconnect_delay=1.0, prefetch=8):
        self.endpoint = endpoint
        self.urls = heartbeat_consumer.broker_urls(conf)
        rabbit = conf.oslo_messaging_rabbit
        self.ssl = bool(rabbit.ssl)
        self.amqp_heartbeat = rabbit.heartbeat_timeout_threshold
        self.queue = heartbeat_consumer.topic_queue(conf, TOPIC)
        self.threads = threads or conf.api.steps_consumer_threads
        self.prefetch = prefetch
        self.reconnect_delay = reconnect_delay
        self.handled = self.dropped = 0
        self._stop = threading.Event()
        self._threads = []

    def start(self):
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, name=f'{self.thread_name}-{index}',
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout=10):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def on_message(self, body, message, producer):
        """Run one message; reply to a call; then ack. A reply that cannot be published
        raises (the connection is lost): the message stays unacked and comes again."""
        try:
            request = rpc_envelope.decode(body)
        except ValueError:
            request = None
        if request is None:
            self.dropped += 1
            LOG.warning('Dropped a message on %s that is no RPC message', TOPIC)
            message.ack()
            return
        result, failure = answer(self.endpoint, request)
        if request.is_call:
            producer.publish(rpc_envelope.reply_body(request.msg_id, result=result,
                                                     failure=failure),
                             exchange='', routing_key=request.reply_q, serializer='json')
        self.handled += 1
        message.ack()

    def _run(self):
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception as exc:
                if self._stop.is_set():
                    return
                LOG.warning('Steps consumer lost the broker (%s); reconnecting', exc)
                self._stop.wait(self.reconnect_delay)

    def _consume(self):
        with kombu.Connection(self.urls, ssl=self.ssl,
                              heartbeat=self.amqp_heartbeat) as conn:
            conn.ensure_connection(max_retries=1)
            producer = conn.Producer()

            def callback(body, message):
                self.on_message(body, message, producer)

            with conn.Consumer([self.queue], callbacks=[callback],
                               accept=['json']) as consumer:
                consumer.qos(prefetch_count=self.prefetch)
                LOG.info('Consuming conductor steps on %s', TOPIC)
                checked = time.monotonic()
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=1.0)
                    except TimeoutError:
                        pass
                    if time.monotonic() - checked >= 1.0:  # busy or not
                        conn.heartbeat_check()
                        checked = time.monotonic()

