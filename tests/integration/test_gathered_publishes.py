"""Messages published together with one wait for the broker's confirms, on the real
RabbitMQ (common/publish_confirms.py, ``Publisher.publish_bodies``,
``lean_notifier.gathered``): every message of a batch is confirmed and arrives, persistent
and in order; a queue that refuses some (full, ``reject-publish``) has the broker nack
them, and exactly those are reported unsent; notifications gathered in a block are the
same messages a notification sent alone is; a call made ``meanwhile`` runs once the batch
is written and before its confirms are counted, and what it raises comes after the batch
is settled. Over a fresh vhost, a few seconds."""

import json
import time

import kombu
import pytest

from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_notifier
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.common.notifications import InstanceNotifier
from tests.fixtures import processes
from tests.fixtures import rabbit_queues
from tests.fixtures import transport_conf

pytestmark = pytest.mark.integration

INSTANCE = {'uuid': '5b0c7c1e-8f5a-4a47-9c7e-0b1f7e3e2a02', 'user_id': 'u1',
            'project_id': 'p1', 'display_name': 'vm', 'host': 'host-a', 'node': 'host-a',
            'flavor_id': '1', 'flavor_name': 'm1.tiny', 'memory_mb': 512, 'vcpus': 1,
            'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'vm_state': 'active',
            'power_state': 1, 'task_state': None, 'meta': {}, 'locked': False}


@pytest.fixture
def vhost():
    vhost = processes.RabbitVhost()
    yield vhost
    lean_publisher.close_all()
    vhost.delete()


def _publisher(conf):
    return lean_publisher.Publisher(
        kombu_transport.broker_urls(conf), exchange=kombu_transport.topic_exchange(conf),
        name='test-gathered', persistent=True, confirm_timeout=5.0)


def _drain(conf, queue_name):
    """Every message in ``queue_name``: (body, delivery mode), in queue order."""
    taken = []
    with kombu.Connection(kombu_transport.broker_urls(conf)) as conn:
        queue = kombu.Queue(queue_name)(conn.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            taken.append((json.loads(message.body), message.properties['delivery_mode']))
    return taken


def test_a_batch_is_confirmed_once_and_arrives_persistent_in_order(vhost):
    conf = transport_conf.conf_for(vhost.url)
    publisher = _publisher(conf)
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue('batch.q', exchange, routing_key='batch.q', durable=True)
    sent = publisher.publish_bodies([(lambda n=n: {'n': n}, 'batch.q', queue)
                                     for n in range(20)])
    assert sent == [True] * 20
    # Confirmed means the broker has them: all are in the queue before anyone reads.
    assert rabbit_queues.queues(vhost.name)['batch.q'] == (0, 20)
    assert _drain(conf, 'batch.q') == [({'n': n}, 2) for n in range(20)]
    # The connection goes on: a single publish and a second batch after it.
    assert publisher.publish_body(lambda: {'n': 'one'}, topic='batch.q')
    assert publisher.publish_bodies([(lambda: {'n': 'a'}, 'batch.q', None),
                                     (lambda: {'n': 'b'}, 'batch.q', None)]) == [True, True]
    assert [body['n'] for body, _ in _drain(conf, 'batch.q')] == ['one', 'a', 'b']
    assert (publisher.published, publisher.declined, publisher.failed) == (23, 0, 0)
    assert len(publisher.opened()) == 1


def _depth(conf, queue_name):
    """The messages ``queue_name`` holds, asked of the broker (a passive declare)."""
    with kombu.Connection(kombu_transport.broker_urls(conf)) as conn:
        return conn.default_channel.queue_declare(queue=queue_name, passive=True).message_count


def _reaches(conf, queue_name, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while _depth(conf, queue_name) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize('count', [1, 3])
def test_meanwhile_runs_once_the_batch_is_written_before_its_confirms_count(vhost, count):
    conf = transport_conf.conf_for(vhost.url)
    publisher = _publisher(conf)
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue('meanwhile.q', exchange, routing_key='meanwhile.q', durable=True)
    seen = []

    def meanwhile():         # the batch is on the broker; its confirms not yet counted
        seen.append((publisher.published, _reaches(conf, 'meanwhile.q', count)))

    sent = publisher.publish_bodies([(lambda n=n: {'n': n}, 'meanwhile.q', queue)
                                     for n in range(count)], meanwhile=meanwhile)
    assert sent == [True] * count
    assert seen == [(0, True)]
    assert (publisher.published, publisher.declined, publisher.failed) == (count, 0, 0)
    assert _drain(conf, 'meanwhile.q') == [({'n': n}, 2) for n in range(count)]


def test_what_meanwhile_raises_comes_after_the_batch_is_confirmed(vhost):
    conf = transport_conf.conf_for(vhost.url)
    publisher = _publisher(conf)
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue('raises.q', exchange, routing_key='raises.q', durable=True)

    def meanwhile():
        raise RuntimeError('database gone')

    with pytest.raises(RuntimeError, match='database gone'):
        publisher.publish_bodies([(lambda: {'n': 1}, 'raises.q', queue)], meanwhile=meanwhile)
    # not taken for a failed publish: confirmed, and the connection goes on
    assert (publisher.published, publisher.declined, publisher.failed) == (1, 0, 0)
    assert publisher.publish_body(lambda: {'n': 2}, topic='raises.q')
    assert [body['n'] for body, _ in _drain(conf, 'raises.q')] == [1, 2]


def test_meanwhile_runs_when_nothing_could_be_written():
    conf = transport_conf.conf_for(f'rabbit://guest:guest@127.0.0.1:{processes.free_port()}/')
    publisher = _publisher(conf)
    calls = []
    sent = publisher.publish_bodies([(lambda: {'n': 1}, 'nowhere.q', None)],
                                    meanwhile=lambda: calls.append('meanwhile'))
    assert sent == [False] and calls == ['meanwhile']
    assert publisher.failed == 1


def test_messages_a_full_queue_refuses_are_reported_unsent(vhost):
    conf = transport_conf.conf_for(vhost.url)
    publisher = _publisher(conf)
    exchange = kombu_transport.topic_exchange(conf)
    full = kombu.Queue('full.q', exchange, routing_key='full.q', durable=True,
                       queue_arguments={'x-max-length': 2, 'x-overflow': 'reject-publish'})
    sent = publisher.publish_bodies([(lambda n=n: {'n': n}, 'full.q', full)
                                     for n in range(5)])
    # The broker nacked the three that did not fit; only they go another way.
    assert sent == [True, True, False, False, False]
    assert (publisher.published, publisher.declined, publisher.failed) == (2, 3, 1)
    assert [body['n'] for body, _ in _drain(conf, 'full.q')] == [0, 1]


def test_gathered_notifications_are_the_messages_sent_alone_in_the_order_sent(vhost):
    conf = transport_conf.conf_for(vhost.url, notification_format='both')
    transport = rpc.get_notification_transport(conf)
    try:
        notifier = InstanceNotifier(conf, transport, service='cepheid-compute',
                                    host='host-a')
        publisher = notifier.versioned._publisher
        context = cep_context.RequestContext(user_id='u1', project_id='p1')
        notifier.notify(context, INSTANCE, 'reboot', 'end')              # alone
        with lean_notifier.gathered():
            for phase in ('start', 'end', 'start', 'end'):
                notifier.notify(context, INSTANCE, 'reboot', phase)
            notifier.notify(context, INSTANCE, 'reboot', 'error', exc=RuntimeError('x'))
            assert publisher.published == 2      # held until the block ends
        assert (publisher.published, publisher.declined, publisher.failed) == (12, 0, 0)
        versioned = _messages(conf, 'versioned_notifications.info')
        legacy = _messages(conf, 'notifications.info')
        assert [m['event_type'] for m in versioned] == [
            'instance.reboot.end', 'instance.reboot.start', 'instance.reboot.end',
            'instance.reboot.start', 'instance.reboot.end']
        assert [m['event_type'] for m in legacy] == [
            f'compute.instance.reboot.{phase}' for phase in ('end', 'start', 'end',
                                                              'start', 'end')]
        assert _same(versioned[0], versioned[2]) and _same(legacy[0], legacy[2])
        error, = _messages(conf, 'versioned_notifications.error')
        assert (error['event_type'], error['priority']) == ('instance.reboot.error', 'ERROR')
    finally:
        transport.cleanup()


def _messages(conf, queue_name):
    taken = _drain(conf, queue_name)
    assert all(mode == 2 for _, mode in taken)
    return [json.loads(body['oslo.message']) for body, _ in taken]


def _same(one, other):
    """Equal but for what differs per message (ids, times)."""
    def comparable(message):
        return {k: v for k, v in message.items() if k not in (
            'message_id', '_unique_id', 'timestamp', '_context_timestamp')}
    return comparable(one) == comparable(other)
