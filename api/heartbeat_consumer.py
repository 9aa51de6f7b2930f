"""A lean consumer of the computes' heartbeats: one kombu consumer, no RPC dispatch.

A heartbeat is a cast nobody answers, 100 a second at 1,000 hosts. Through an
oslo.messaging RPC server each one costs the api process the driver's poll loop, an
incoming-message object, an executor hand-off, the dispatcher (target and version checks,
the serializer's context), most of its CPU at idle. This thread consumes the topic
``cepheid-heartbeat`` (its queue declared as oslo.messaging declares a topic queue, so the
messages are ordinary oslo.messaging casts, sent by an ordinary RPCClient), decodes the
body as the broker sent it (two ``json.loads``, no kombu deserializer) and hands the beat
to the batcher. The beats are taken in bursts: the first one after a quiet spell wakes
the thread, which then sleeps ``GATHER`` seconds and takes what came meanwhile in one go
(at 100 beats a second, one wake-up for ~25 beats: on this machine a thread's wake-up
cost about five times the CPU of reading one more beat that is already there; a beat
reaches the batcher at most ``GATHER`` later, its flush is every second anyway). A burst
ends when nothing more came within ``BURST_WAIT``, or ``BURST_MAX`` after its sleep: past
a few hundred beats a second they never stop coming, and each would wake the thread
again; the next one then sleeps ``GATHER`` again. Acks go
several at once (``basic_ack`` with ``multiple``), each covering only beats already
handed over: when nothing more came within ``BURST_WAIT``, every
``ACK_EVERY`` beats, or once the oldest unacked one waited ``ACK_WITHIN`` seconds. A
connection lost before that redelivers them: a beat counted twice, which nothing reads
as more than "seen".

The api advertises the topic in its answer to a compute's first (called) heartbeat; a
compute that got no topic (an older api, or ``[api] heartbeat_consumer = rpc``) keeps
casting to ``cepheid-api``, which still takes heartbeats.
"""

import time

from oslo_log import log as logging

from cepheid.api import kombu_consumer
from cepheid.api import rpc_envelope

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-heartbeat'
METHOD = 'service_heartbeat'
_ARGS = ('host', 'binary', 'topic', 'resources')
ACK_EVERY = 100          # below the prefetch, or the broker stops delivering
ACK_WITHIN = 1.0
PREFETCH = 200
GATHER = 0.25            # sleep after the first beat of a burst
BURST_WAIT = 0.005       # a burst ends when nothing more came within this
BURST_MAX = 0.05         # or this long after its sleep


def decode(body):
    """The keyword arguments of a ``service_heartbeat`` cast (an oslo.messaging 2.0
    envelope, or the bare message), or None for anything else."""
    request = rpc_envelope.decode(body)
    if request is None or request.method != METHOD or not request.version.startswith('1.'):
        return None
    args = request.args
    if not args.get('host') or not args.get('binary'):
        return None
    return {k: args.get(k) for k in _ARGS}


def usable(conf):
    """Whether this api runs the lean consumer: asked for, and the transport is RabbitMQ."""
    return conf.api.heartbeat_consumer == 'lean' and kombu_consumer.rabbitmq(conf)


class HeartbeatConsumer(kombu_consumer.TopicConsumer):
    """``record(**beat)`` is called for each heartbeat; ``start``/``stop`` the thread."""

    topic = TOPIC
    thread_name = 'heartbeat-consumer'
    raw = True

    def __init__(self, conf, record, *, reconnect_delay=1.0):
        super().__init__(conf, prefetch=PREFETCH, reconnect_delay=reconnect_delay)
        self.record = record
        self.received = self.dropped = 0
        self._unacked = None        # the newest message handled and not acked yet
        self._unacked_count = 0
        self._oldest = 0.0          # when the oldest of them was handled (monotonic)
        self._burst = False         # taking a burst (after its GATHER sleep)
        self._burst_taking = 0.0    # when it woke from that sleep (monotonic)

    def connected(self):
        # Delivery tags belong to the channel: a new one starts afresh.
        self._unacked, self._unacked_count = None, 0
        self._burst = False

    def on_message(self, body, message, producer=None):
        try:
            beat = decode(body)
        except ValueError:
            beat = None
        if beat is None:
            self.dropped += 1
            LOG.warning('Dropped a message on %s that is no heartbeat', TOPIC)
        else:
            self.received += 1
            try:
                self.record(**beat)
            except Exception as exc:
                # a database outage: the next beat comes within report_interval
                LOG.warning('Heartbeat of %s not recorded: %s', beat['host'], exc)
        # Handed over (or dropped): only now may an ack cover it.
        if self._unacked is None:
            self._oldest = time.monotonic()
        self._unacked = message
        self._unacked_count += 1
        if self._unacked_count >= ACK_EVERY:
            self._ack()

    def drain_timeout(self):
        return BURST_WAIT if self._burst else kombu_consumer.DRAIN_TIMEOUT

    def after_drain(self, idle):
        if self._unacked is not None and (
                idle or time.monotonic() - self._oldest >= ACK_WITHIN):
            self._ack()

    def pause_after(self, idle):
        """``GATHER`` after the first beat of a burst, then none until the burst ends
        (nothing came within ``BURST_WAIT``, or it has taken beats for ``BURST_MAX``)."""
        if idle:
            self._burst = False
            return 0.0
        now = time.monotonic()
        if self._burst and now - self._burst_taking < BURST_MAX:
            return 0.0
        self._burst, self._burst_taking = True, now + GATHER
        return GATHER

    def _ack(self):
        message, self._unacked, self._unacked_count = self._unacked, None, 0
        message.ack(multiple=True)
