"""What the api's lean consumers share: one or more kombu threads on one topic queue.

A lean consumer (api/heartbeat_consumer.py, api/steps_consumer.py) takes a topic that
computes send ordinary oslo.messaging casts and calls to, without an RPC server: its
queue is declared as oslo.messaging declares a topic queue, each thread holds one kombu
connection (with the brokers of the transport URL in failover order), checks the AMQP
heartbeat at least once a second, and reconnects after ``reconnect_delay`` when the
broker goes away. A subclass says what to do with a message (``on_message``), may take
the body undecoded (``raw``: the bytes, no kombu deserializer) and may shorten the wait
for messages, act after each one (``drain_timeout``, ``after_drain``: e.g. ack
several at once) and let messages gather before taking them (``pause_after``: one
wake-up for many messages instead of one each).
"""

import threading
import time

import kombu
from oslo_log import log as logging

from cepheid.common import kombu_transport

LOG = logging.getLogger(__name__)

DRAIN_TIMEOUT = 1.0


# Shared with the compute's lean heartbeat publisher (cepheid.common).
rabbitmq = kombu_transport.rabbitmq
broker_urls = kombu_transport.broker_urls


def topic_queue(conf, topic):
    """The queue of ``topic``, declared as oslo.messaging declares a topic queue."""
    rabbit = conf.oslo_messaging_rabbit
    arguments = {'x-queue-type': 'quorum'} if rabbit.rabbit_quorum_queue else None
    return kombu.Queue(topic, kombu_transport.topic_exchange(conf), routing_key=topic,
                       durable=kombu_transport.durable(conf),
                       auto_delete=rabbit.amqp_auto_delete, queue_arguments=arguments)


class TopicConsumer:
    """``threads`` kombu consumers of ``topic``; ``on_message(body, message, producer)``
    handles one message (``producer`` publishes on the same connection) and acks it."""

    topic = None
    thread_name = 'topic-consumer'
    #: hand ``on_message`` the body as the broker sent it (bytes), not kombu's decoding
    raw = False

    def __init__(self, conf, *, threads=1, prefetch=1, reconnect_delay=1.0):
        self.urls = broker_urls(conf)
        rabbit = conf.oslo_messaging_rabbit
        self.ssl = kombu_transport.ssl_options(conf)
        self.amqp_heartbeat = rabbit.heartbeat_timeout_threshold
        self.queue = topic_queue(conf, self.topic)
        self.threads = threads
        self.prefetch = prefetch
        self.reconnect_delay = reconnect_delay
        self._stop = threading.Event()
        self._threads = []

    def start(self):
        for index in range(self.threads):
            name = self.thread_name if self.threads == 1 else f'{self.thread_name}-{index}'
            thread = threading.Thread(target=self._run, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout=10):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def on_message(self, body, message, producer):
        raise NotImplementedError

    def drain_timeout(self):
        """Seconds the next wait for messages may last."""
        return DRAIN_TIMEOUT

    def after_drain(self, idle):
        """Called in the consumer's thread after each wait for messages (``idle``: it
        timed out, or the thread is leaving the connection); nothing by default."""

    def pause_after(self, idle):
        """Seconds to sleep after ``after_drain`` before the next wait for messages (the
        messages that come meanwhile are then taken in one go); none by default."""
        return 0.0

    def connected(self):
        """Called in the consumer's thread on each new connection, before consuming."""

    def _run(self):
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception as exc:
                if self._stop.is_set():
                    return
                LOG.warning('Consumer of %s lost the broker (%s); reconnecting',
                            self.topic, exc)
                self._stop.wait(self.reconnect_delay)

    def _consume(self):
        with kombu.Connection(self.urls, ssl=self.ssl,
                              heartbeat=self.amqp_heartbeat) as conn:
            conn.ensure_connection(max_retries=1)
            producer = conn.Producer()
            self.connected()

            def callback(body, message):
                self.on_message(body, message, producer)

            if self.raw:
                handler = {'on_message': lambda message: callback(message.body, message)}
            else:
                handler = {'callbacks': [callback], 'accept': ['json']}
            # The prefetch goes with the consumer, asked before it consumes: RabbitMQ
            # applies a channel's (non-global) basic.qos only to the consumers started
            # after it.
            with conn.Consumer([self.queue], prefetch_count=self.prefetch, **handler):
                LOG.info('Consuming %s', self.topic)
                checked = time.monotonic()
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=self.drain_timeout())
                        idle = False
                    except TimeoutError:
                        idle = True
                    self.after_drain(idle)
                    pause = self.pause_after(idle)
                    if pause:
                        self._stop.wait(pause)
                    if time.monotonic() - checked >= 1.0:  # busy or not
                        conn.heartbeat_check()
                        checked = time.monotonic()
                self.after_drain(True)
