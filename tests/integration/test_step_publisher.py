"""A compute's cast steps through the lean publisher on the real RabbitMQ: a step is
persistent and returns only once the broker confirmed it; a step the broker refuses (a
nack: a full queue that rejects publishes) is not counted as sent, so the caller sends it
through oslo.messaging; with the publisher's connection closed by the broker the step
still arrives, through oslo.messaging's cast, and a later one goes lean again on a new
connection. In one process, over a fresh vhost, a few seconds."""

import json

import kombu
import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conf as compute_conf
from cepheid.compute import step_publisher
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

TOPIC = 'cepheid-api-steps'
REJECTING = 'steps-nobody-takes'
UUID = '0d3c2a7e-91f4-4f9e-8f4c-6a4f3f1c0b01'


@pytest.fixture
def bus():
    """(a conductor client told the steps topic, its publisher, next_step(), vhost)."""
    vhost = processes.RabbitVhost()
    conf = config.make_conf(compute_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', vhost.url)
    exchange = kombu_transport.topic_exchange(conf)
    conn = kombu.Connection(kombu_transport.broker_urls(conf))
    channel = conn.channel()
    steps = kombu.Queue(TOPIC, exchange, routing_key=TOPIC)
    steps(channel).declare()
    kombu.Queue(REJECTING, exchange, routing_key=REJECTING, queue_arguments={
        'x-max-length': 0, 'x-overflow': 'reject-publish'})(channel).declare()
    transport = rpc.get_rpc_transport(conf)
    publisher = step_publisher.for_conf(conf)
    client = conductor_rpcapi.ConductorAPI(transport, host='h1', step_publisher=publisher)
    client.steps_client = rpc.get_client(transport, TOPIC, version='1.0')

    def next_step():
        message = processes.wait_until(lambda: steps(channel).get(no_ack=True), 10,
                                       'a step in the queue')
        return (json.loads(json.loads(message.body)['oslo.message']),
                message.properties['delivery_mode'])
    try:
        yield client, publisher, next_step, vhost
    finally:
        lean_publisher.close_all()
        transport.cleanup()
        conn.release()
        vhost.delete()


def _advance(client, state='reboot_started'):
    client.task_advance(cep_context.get_admin_context(), UUID, values={'task_state': state},
                        expected_task_state=['reboot_pending'])


def test_a_step_is_published_persistent_once_the_broker_confirmed_it(bus):
    client, publisher, next_step, vhost = bus
    _advance(client)
    step, mode = next_step()
    assert (step['method'], step['args']['values'], mode) == (
        'task_advance', {'task_state': 'reboot_started'}, 2)
    assert (publisher.published, publisher.declined, publisher.failed) == (1, 0, 0)
    assert len(rabbit_queues.connections(vhost.name, step_publisher.CONNECTION_NAME)) == 1


def test_a_nacked_step_is_not_counted_as_sent(bus, monkeypatch):
    client, publisher, next_step, _ = bus
    assert not publisher.publish(cep_context.get_admin_context(), topic=REJECTING,
                                 method='task_advance', args={}, version='1.2')
    assert (publisher.published, publisher.failed) == (0, 1)
    monkeypatch.setattr(lean_publisher, 'RETRY_AFTER', 0.0)
    _advance(client)                          # a new connection
    assert next_step()[0]['method'] == 'task_advance' and publisher.published == 1


def test_a_step_on_a_connection_the_broker_closed_arrives_through_oslo_messaging(
        bus, monkeypatch):
    client, publisher, next_step, vhost = bus
    _advance(client, 'reboot_started')
    assert next_step()[0]['args']['values'] == {'task_state': 'reboot_started'}
    rabbit_queues.close_publisher_connection(vhost.name, step_publisher.CONNECTION_NAME,
                                             publisher)
    _advance(client, 'reboot_started_hard')   # the close is read first: oslo.messaging
    assert (publisher.published, publisher.declined, publisher.failed) == (1, 1, 1)
    assert next_step()[0]['args']['values'] == {'task_state': 'reboot_started_hard'}
    monkeypatch.setattr(lean_publisher, 'RETRY_AFTER', 0.0)
    _advance(client, None)                    # lean again, on a new connection
    assert next_step()[0]['args']['values'] == {'task_state': None}
    assert publisher.published == 2
