"""A lean consumer of the computes' hot-path conductor messages: no RPC server.

The steps of every operation (``begin``, ``task_advance``, ``task_update``,
``task_finish``, ``task_end`` and their ``report_batch``) are most of what the computes
send the api.
Through an oslo.messaging RPC server each costs the driver's poll loop, an incoming
message object, an executor hand-off, the dispatcher and a reply through the
connection pool. Here each of ``[api] steps_consumer_threads`` threads holds one kombu
connection consuming the topic ``cepheid-api-steps`` (declared as oslo.messaging
declares a topic queue: the computes send ordinary oslo.messaging calls and casts),
decodes the envelope (api/rpc_envelope.py), runs the conductor endpoint's method in
that thread, answers a call in oslo.messaging's reply format on the same connection,
and only then acks: an api process dying mid-step leaves the message to be redelivered
(every step is idempotent). A cast is acked after it ran, whatever its outcome, except
when the database is unavailable: then it is requeued after a pause (``OUTAGE_PAUSE``)
and runs again once the database is back, where the RPC server's early ack would lose it.

The api names the topic in its answer to a compute's called heartbeat (conductor 1.11);
a compute that got none (an older api, ``[api] steps_consumer = rpc``, or a transport
other than RabbitMQ) sends its steps to ``cepheid-api`` as before. From 1.13 the topic
also answers the called heartbeat (every 30th beat; the first one, and any after a
fallback, still goes to ``cepheid-api``: it is how a compute learns the topic) and the
power sync's ``instances_on_host``, with the endpoint the RPC server uses: the same
answers and errors (compute/conductor_topics.py).
"""

from oslo_log import log as logging
from oslo_messaging import _utils as messaging_utils
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.api import conductor
from cepheid.api import kombu_consumer
from cepheid.api import rpc_envelope
from cepheid.common import context as cep_context
from cepheid.common import exception

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-api-steps'
#: The conductor methods this topic serves: the steps of an operation, and (1.13) the
#: computes' called heartbeat and the power sync's read of its host's instances.
METHODS = frozenset(('begin', 'task_advance', 'task_update', 'task_finish',
                     'task_end', 'report_batch', 'service_heartbeat', 'instances_on_host'))
#: Seconds a consumer thread waits before it requeues a cast that met a database outage.
OUTAGE_PAUSE = 1.0


def usable(conf):
    """Whether this api runs the lean consumer: asked for, and the transport is RabbitMQ."""
    return conf.api.steps_consumer == 'lean' and kombu_consumer.rabbitmq(conf)


def answer(endpoint, request):
    """Run ``request`` (an rpc_envelope.Request) on the conductor ``endpoint`` as the RPC
    server would: ``(result, None)``, or ``(None, exc)`` with the exception oslo.messaging
    would serialize (a database outage as ServiceUnavailable)."""
    if request.method not in METHODS or request.namespace is not None:
        return None, rpc_dispatcher.NoSuchMethod(request.method)
    if not messaging_utils.version_is_compatible(conductor.VERSION, request.version):
        return None, rpc_dispatcher.UnsupportedVersion(request.version, method=request.method)
    try:
        context = cep_context.RequestContext.from_dict(request.context)
        return getattr(endpoint, request.method)(context, **request.args), None
    except Exception as error:
        exc = conductor.database_unavailable(error) or error
        if exc is error and not isinstance(error, conductor.EXPECTED):
            LOG.exception('Conductor step %s failed', request.method)
        return None, exc


class StepsConsumer(kombu_consumer.TopicConsumer):
    """``start``/``stop`` the consumer threads serving ``endpoint`` (the conductor)."""

    topic = TOPIC
    thread_name = 'steps-consumer'

    def __init__(self, conf, endpoint, *, threads=None, reconnect_delay=1.0, prefetch=8):
        super().__init__(conf, threads=threads or conf.api.steps_consumer_threads,
                         prefetch=prefetch, reconnect_delay=reconnect_delay)
        self.endpoint = endpoint
        self.handled = self.dropped = self.requeued = 0

    def on_message(self, body, message, producer):
        """Run one message; reply to a call; then ack. A reply that cannot be published
        raises (the connection is lost): the message stays unacked and comes again. A cast
        that met a database outage is requeued (a call's caller retries it itself)."""
        try:
            request = rpc_envelope.decode(body)
        except ValueError:
            request = None
        if request is None:
            self.dropped += 1
            LOG.warning('Dropped a message on %s that is no RPC message', TOPIC)
            message.ack()
            return
        result, exc = answer(self.endpoint, request)
        if not request.is_call and isinstance(exc, exception.ServiceUnavailable):
            # The database is down and nobody waits for this cast: it comes again (every
            # step is idempotent), after a pause, instead of being lost to the outage.
            self.requeued += 1
            self._stop.wait(OUTAGE_PAUSE)
            message.requeue()
            return
        if request.is_call:
            failure = rpc_envelope.failure(exc) if exc is not None else None
            producer.publish(rpc_envelope.reply_body(request.msg_id, result=result,
                                                     failure=failure),
                             exchange='', routing_key=request.reply_q, serializer='json')
        self.handled += 1
        message.ack()
