"""Instance notifications through the lean publisher on the real RabbitMQ
(common/lean_notifier.py): a notification sent before any consumer exists waits,
persistent, in its topic's durable default queue, and is sent only once the broker
confirmed it; an error goes to ``<topic>.error``; with the lean connection closed by the
broker the next one still arrives, through oslo.messaging, and a later one goes lean
again. In one process, over a fresh vhost, a few seconds."""

import contextlib
import datetime
import json
import threading

import kombu
import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_notifier
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.common.notifications import InstanceNotifier
from tests.fixtures import processes
from tests.fixtures import rabbit_nodes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

NOW = datetime.datetime(2026, 12, 5, 3, 0, 0)
INSTANCE = {'uuid': '5b0c7c1e-8f5a-4a47-9c7e-0b1f7e3e2a01', 'user_id': 'u1',
            'project_id': 'p1', 'display_name': 'vm', 'host': 'host-a', 'node': 'host-a',
            'flavor_id': '1', 'flavor_name': 'm1.tiny', 'memory_mb': 512, 'vcpus': 1,
            'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'vm_state': 'active',
            'power_state': 1, 'task_state': 'reboot_pending', 'created_at': NOW,
            'updated_at': NOW, 'launched_at': NOW, 'meta': {}, 'locked': False}
VERSIONED = 'versioned_notifications'


@pytest.fixture
def bus():
    """(a compute's InstanceNotifier, its lean publisher, taken(key), vhost)."""
    vhost = processes.RabbitVhost()
    with _bus(vhost.url) as (notifier, taken):
        yield notifier, notifier.versioned._publisher, taken, vhost
    vhost.delete()


@contextlib.contextmanager
def _bus(url):
    """(a compute's InstanceNotifier on ``url``, taken(key))."""
    conf = config.make_conf()
    conf([], default_config_files=[])
    conf.set_override('transport_url', url)
    transport = rpc.get_notification_transport(conf)
    notifier = InstanceNotifier(conf, transport, service='cepheid-compute', host='host-a')

    def taken(key):
        # A connection of its own each time: the outage test's broker restarts.
        with kombu.Connection(kombu_transport.broker_urls(conf)) as conn:
            message = processes.wait_until(
                lambda: kombu.Queue(key)(conn.default_channel).get(no_ack=True), 10,
                f'a message in {key}')
            return (json.loads(json.loads(message.body)['oslo.message']),
                    message.properties['delivery_mode'])
    try:
        yield notifier, taken
    finally:
        lean_publisher.close_all()
        transport.cleanup()


def _context():
    return cep_context.RequestContext(user_id='u1', project_id='p1')


def test_a_notification_waits_persistent_in_its_durable_default_queue(bus):
    notifier, publisher, taken, vhost = bus
    assert isinstance(notifier.versioned, lean_notifier.LeanNotifier)
    assert f'{VERSIONED}.info' not in rabbit_queues.queues(vhost.name)
    notifier.notify(_context(), INSTANCE, 'reboot', 'start')
    # Sent means confirmed: the message is in the queue the publisher declared.
    assert rabbit_queues.queues(vhost.name)[f'{VERSIONED}.info'] == (0, 1)
    message, mode = taken(f'{VERSIONED}.info')
    assert (message['event_type'], message['priority'], message['publisher_id'], mode) == (
        'instance.reboot.start', 'INFO', 'cepheid-compute:host-a', 2)
    data = message['payload']['nova_object.data']
    assert (data['uuid'], data['task_state']) == (INSTANCE['uuid'], 'reboot_pending')
    assert (publisher.published, publisher.declined, publisher.failed) == (1, 0, 0)
    assert len(rabbit_queues.connections(vhost.name, lean_notifier.CONNECTION_NAME)) == 1


def test_an_error_notification_goes_to_the_error_topic(bus):
    notifier, publisher, taken, _ = bus
    notifier.notify(_context(), INSTANCE, 'reboot', 'error', exc=RuntimeError('boom'))
    message, _ = taken(f'{VERSIONED}.error')
    assert (message['event_type'], message['priority']) == ('instance.reboot.error',
                                                            'ERROR')
    fault = message['payload']['nova_object.data']['fault']['nova_object.data']
    assert (fault['exception'], fault['exception_message']) == ('RuntimeError', 'boom')
    assert publisher.published == 1


def test_a_notification_on_a_connection_the_broker_closed_arrives_through_oslo_messaging(
        bus, monkeypatch):
    notifier, publisher, taken, vhost = bus
    notifier.notify(_context(), INSTANCE, 'reboot', 'start')
    assert taken(f'{VERSIONED}.info')[0]['event_type'] == 'instance.reboot.start'
    rabbit_queues.close_publisher_connection(vhost.name, lean_notifier.CONNECTION_NAME,
                                             publisher)
    notifier.notify(_context(), INSTANCE, 'reboot', 'end')   # through oslo.messaging
    assert (publisher.published, publisher.declined, publisher.failed) == (1, 1, 1)
    assert taken(f'{VERSIONED}.info')[0]['event_type'] == 'instance.reboot.end'
    monkeypatch.setattr(lean_publisher, 'RETRY_AFTER', 0.0)
    notifier.notify(_context(), INSTANCE, 'lock')              # lean again
    assert taken(f'{VERSIONED}.info')[0]['event_type'] == 'instance.lock'
    assert publisher.published == 2


def test_a_notification_sent_while_the_broker_is_down_arrives_once_it_is_back(tmp_path):
    nodes = rabbit_nodes.RabbitNodes(tmp_path).start()
    try:
        with _bus(nodes.new_vhost_url()) as (notifier, taken):
            notifier.notify(_context(), INSTANCE, 'reboot', 'start')
            assert taken(f'{VERSIONED}.info')[0]['event_type'] == 'instance.reboot.start'
            nodes.nodes[0].stop()
            sending = threading.Thread(
                target=notifier.notify, args=(_context(), INSTANCE, 'reboot', 'end'))
            sending.start()
            sending.join(3)
            assert sending.is_alive()             # waits for the broker, as oslo.messaging
            nodes.nodes[0].start().wait_running()
            sending.join(60)
            assert not sending.is_alive()
            message, mode = taken(f'{VERSIONED}.info')
            assert (message['event_type'], mode) == ('instance.reboot.end', 2)
    finally:
        nodes.stop()
