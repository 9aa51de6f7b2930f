"""A lean consumer of the computes' heartbeats: one kombu consumer, no RPC dispatch.

A heartbeat is a cast nobody answers, 100 a second at 1,000 hosts. Through an
oslo.messaging RPC server each one costs the api process the driver's poll loop, an
incoming-message object, an executor hand-off, the dispatcher (target and version checks,
the serializer's context), most of its CPU at idle. This thread consumes the topic
``cepheid-heartbeat`` (its queue declared as oslo.messaging declares a topic queue, so the
messages are ordinary oslo.messaging casts, sent by an ordinary RPCClient), decodes the
envelope with two ``json.loads`` and hands the beat to the batcher.

The api advertises the topic in its answer to a compute's first (called) heartbeat; a
compute that got no topic (an older api, or ``[api] heartbeat_consumer = rpc``) keeps
casting to ``cepheid-api``, which still takes heartbeats.
"""

import json
import threading

import kombu
import oslo_messaging
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-heartbeat'
METHOD = 'service_heartbeat'
_ARGS = ('host', 'binary', 'topic', 'resources')


def decode(body):
    """The keyword arguments of a ``service_heartbeat`` cast (an oslo.messaging 2.0
    envelope, or the bare message), or None for anything else."""
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    if not isinstance(body, dict):
        return None
    if 'oslo.message' in body:
        body = json.loads(body['oslo.message'])
    if body.get('method') != METHOD or not str(body.get('version', '1.0')).startswith('1.'):
        return None
    args = body.get('args') or {}
    if not args.get('host') or not args.get('binary'):
        return None
    return {k: args.get(k) for k in _ARGS}


def usable(conf):
    """Whether this api runs the lean consumer: asked for, and the transport is RabbitMQ."""
    return conf.api.heartbeat_consumer == 'lean' and rabbitmq(conf)


def rabbitmq(conf):
    """Whether the RPC transport is RabbitMQ (a kombu consumer can take its topics)."""
    url = oslo_messaging.TransportURL.parse(conf, conf.transport_url)
    return url.transport in ('rabbit', 'amqp', 'kombu') and bool(url.hosts)


def topic_queue(conf, topic):
    """The queue of ``topic``, declared as oslo.messaging declares a topic queue."""
    rabbit = conf.oslo_messaging_rabbit
    durable = rabbit.amqp_durable_queues or rabbit.rabbit_quorum_queue
    arguments = {'x-queue-type': 'quorum'} if rabbit.rabbit_quorum_queue else None
    exchange = kombu.Exchange(conf.control_exchange, 'topic', durable=durable,
                              auto_delete=rabbit.amqp_auto_delete)
    return kombu.Queue(topic, exchange, routing_key=topic, durable=durable,
                       auto_delete=rabbit.amqp_auto_delete, queue_arguments=arguments)


def broker_urls(conf):
    """kombu URLs of the transport's brokers (failover order)."""
    url = oslo_messaging.TransportURL.parse(conf, conf.transport_url)
    vhost = url.virtual_host or ''
    urls = []
    for host in url.hosts:
        auth = ''
        if host.username:
            auth = kombu.utils.url.quote(host.username, safe='')
            if host.password:
                auth += ':' + kombu.utils.url.quote(host.password, safe='')
            auth += '@'
        urls.append(f'amqp://{auth}{host.hostname}:{host.port or 5672}/'
                    f'{kombu.utils.url.quote(vhost, safe="")}')
    return urls


class HeartbeatConsumer:
    """``record(**beat)`` is called for each heartbeat; ``start``/``stop`` the thread."""

    thread_name = 'heartbeat-consumer'

    def __init__(self, conf, record, *, reconnect_delay=1.0):
        self.record = record
        self.urls = broker_urls(conf)
        rabbit = conf.oslo_messaging_rabbit
        self.ssl = bool(rabbit.ssl)
        self.amqp_heartbeat = rabbit.heartbeat_timeout_threshold
        self.queue = topic_queue(conf, TOPIC)
        self.reconnect_delay = reconnect_delay
        self.received = self.dropped = 0
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout=10):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def on_message(self, body, message):
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
        message.ack()

    def _run(self):
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception as exc:
                if self._stop.is_set():
                    return
                LOG.warning('Heartbeat consumer lost the broker (%s); reconnecting', exc)
                self._stop.wait(self.reconnect_delay)

    def _consume(self):
        with kombu.Connection(self.urls, ssl=self.ssl,
                              heartbeat=self.amqp_heartbeat) as conn:
            conn.ensure_connection(max_retries=1)
            with conn.Consumer([self.queue], callbacks=[self.on_message],
                               accept=['json']) as consumer:
                consumer.qos(prefetch_count=200)
                LOG.info('Consuming heartbeats on %s', TOPIC)
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=1.0)
                    except TimeoutError:
                        conn.heartbeat_check()
