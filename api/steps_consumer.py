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
(every step is idempotent). The steps a thread has been delivered at once share one
transaction (api/steps_gather.py). A cast is acked after it ran, whatever its outcome, except
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

import threading

from oslo_log import log as logging
from oslo_messaging.rpc import dispatcher as rpc_dispatcher

from cepheid.api import conductor
from cepheid.api import kombu_consumer
from cepheid.api import rpc_envelope
from cepheid.api import steps_gather
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
    if not steps_gather.compatible(request):
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
        self.gathered = 0          # messages that ran in a transaction with others
        self._local = threading.local()

    def connected(self):
        """On each new connection: gather what the broker delivers (any messages held from
        a lost connection come again, unacked)."""
        self._local.pending = []

    def drain_timeout(self):
        """While messages are held, only take those already delivered: no wait."""
        return 0 if getattr(self._local, 'pending', None) else kombu_consumer.DRAIN_TIMEOUT

    def after_drain(self, idle):
        """Nothing more was delivered (or the thread leaves its connection): run what is
        held."""
        if idle:
            self._run_pending()

    def on_message(self, body, message, producer):
        """Run a message, or hold a step until the broker has delivered no more (then the
        held steps share one transaction: api/steps_gather.py); reply to a call; then ack.
        A reply that cannot be published raises (the connection is lost): the message
        stays unacked and comes again. A cast that met a database outage is requeued (a
        call's caller retries it itself)."""
        try:
            request = rpc_envelope.decode(body)
        except ValueError:
            request = None
        if request is None:
            self.dropped += 1
            LOG.warning('Dropped a message on %s that is no RPC message', TOPIC)
            message.ack()
            return
        pending = getattr(self._local, 'pending', None)
        if pending is not None and steps_gather.gatherable(request):
            pending.append((request, message, producer))
            if len(pending) >= self.prefetch:
                self._run_pending()
            return
        self._run_pending()
        self._finish(request, message, producer, *answer(self.endpoint, request))

    def _run_pending(self):
        pending = getattr(self._local, 'pending', None)
        if not pending:
            return
        self._local.pending = []
        if len(pending) == 1:
            request, message, producer = pending[0]
            self._finish(request, message, producer, *answer(self.endpoint, request))
            return
        try:
            answers = steps_gather.apply(self.endpoint, [request for request, _, _ in pending])
        except Exception as exc:
            LOG.warning('%d gathered steps not applied together (%s); running each alone',
                        len(pending), exc)
            answers = [answer(self.endpoint, request) for request, _, _ in pending]
        else:
            self.gathered += len(pending)
        last = None
        for (request, message, producer), (result, exc) in zip(pending, answers, strict=True):
            if self._finish(request, message, producer, result, exc, ack=False):
                last = message
        if last is not None:
            # Every delivery this thread's channel holds unacked is in ``pending`` (a
            # message that is not held runs and is acked at once; a requeued one is
            # settled): one ack settles them all, after every reply went.
            last.ack(multiple=True)

    def _finish(self, request, message, producer, result, exc, *, ack=True):
        """Reply to a call, then ack (``ack``), or requeue a cast the database outage
        refused. True when the message is to be acked."""
        if not request.is_call and isinstance(exc, exception.ServiceUnavailable):
            # The database is down and nobody waits for this cast: it comes again (every
            # step is idempotent), after a pause, instead of being lost to the outage.
            self.requeued += 1
            self._stop.wait(OUTAGE_PAUSE)
            message.requeue()
            return False
        if request.is_call:
            failure = rpc_envelope.failure(exc) if exc is not None else None
            producer.publish(rpc_envelope.reply_body(request.msg_id, result=result,
                                                     failure=failure),
                             exchange='', routing_key=request.reply_q, serializer='json')
        self.handled += 1
        if ack:
            message.ack()
        return True
