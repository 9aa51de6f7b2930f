"""Over RabbitMQ: a lean consumer thread is sent at most its prefetch of unacked messages;
the rest stay ready in the queue (for its other threads, or until it acks). RabbitMQ
applies a channel's basic.qos only to consumers started after it, so a prefetch asked once
consuming had begun left the consumer with no limit at all."""

import threading

import kombu
import pytest

from cepheid.api import kombu_consumer
from tests.fixtures import processes
from tests.fixtures import transport_conf

pytestmark = pytest.mark.integration

TOPIC = 'cepheid-prefetch-test'


class _Holder(kombu_consumer.TopicConsumer):
    """Records each message, then holds its thread until ``release`` is set."""

    topic = TOPIC
    thread_name = 'holder'

    def __init__(self, conf, **kwargs):
        super().__init__(conf, **kwargs)
        self.seen = []
        self.release = threading.Event()

    def on_message(self, body, message, producer):
        self.seen.append((threading.current_thread().name, body['n']))
        self.release.wait(20)
        message.ack()


@pytest.fixture
def conf():
    vhost = processes.RabbitVhost()
    yield transport_conf.conf_for(vhost.url)
    vhost.delete()


def _publish(conf, count):
    with kombu.Connection(kombu_consumer.broker_urls(conf)) as conn:
        producer = conn.Producer()
        exchange = kombu_consumer.topic_queue(conf, TOPIC).exchange
        for n in range(count):
            producer.publish({'n': n}, exchange=exchange, routing_key=TOPIC,
                             serializer='json')


def _queue_state(conf):
    """(messages ready, consumers) of the topic's queue, as the broker counts them."""
    with kombu.Connection(kombu_consumer.broker_urls(conf)) as conn:
        queue = kombu_consumer.topic_queue(conf, TOPIC)(conn.default_channel)
        declared = queue.queue_declare(passive=True)
        return declared.message_count, declared.consumer_count


@pytest.mark.parametrize('threads', [1, 2])
def test_each_thread_is_sent_no_more_than_its_prefetch(conf, threads):
    consumer = _Holder(conf, threads=threads, prefetch=2)
    consumer.start()
    try:
        processes.wait_until(lambda: _queue_state(conf)[1] == threads, 15, 'consumers up')
        _publish(conf, 10)
        processes.wait_until(lambda: len(consumer.seen) == threads, 10,
                             'each thread holding a message')
        # Each thread holds one message in its callback and one more sent, unacked.
        processes.wait_until(lambda: _queue_state(conf)[0] == 10 - 2 * threads, 10,
                             f'{10 - 2 * threads} messages left ready')
        assert {name for name, _ in consumer.seen} == (
            {'holder'} if threads == 1 else {'holder-0', 'holder-1'})
        consumer.release.set()
        processes.wait_until(lambda: len(consumer.seen) == 10, 15, 'every message taken')
        assert sorted(n for _, n in consumer.seen) == list(range(10))
        assert _queue_state(conf)[0] == 0
    finally:
        consumer.release.set()
        consumer.stop()
