"""The lean steps publisher (compute/step_publisher.py): a step cast nobody waits for
(task_advance, task_end, a batch of only such steps) leaves as the bytes oslo.messaging's
cast would send, persistent; a step the publisher cannot take goes through
oslo.messaging's cast and still arrives; called steps never use it;
``steps_publisher = rpc`` (or a transport other than RabbitMQ) turns it off. Over kombu's
in-memory broker (oslo.messaging's ``kombu+memory``), which has no publisher confirms:
tests/integration/test_step_publisher.py has the broker's confirm and nack."""

import json
import threading

import kombu
import oslo_messaging
import pytest

from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import heartbeat_publisher
from cepheid.compute import step_publisher
from tests.unit.compute import test_heartbeat_publisher as beats

TOPIC = 'cepheid-api-steps'
UUID = '6f1f7c1e-5a55-4b5a-9d43-2f2b1fd5e001'


def _publisher(factory=None):
    options = {'connection_factory': factory} if factory else {}
    exchange = kombu_transport.topic_exchange(beats._conf('kombu+memory:////'))
    return lean_publisher.Publisher(
        ['memory://'], exchange=exchange,
        name=step_publisher.CONNECTION_NAME, persistent=True,
        confirm_timeout=step_publisher.CONFIRM_TIMEOUT, **options)


@pytest.fixture
def memory_bus():
    """(a conductor client told the steps topic, the queue, a channel) over kombu's
    in-memory broker."""
    conf = beats._conf('kombu+memory:////')
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue(TOPIC, exchange, routing_key=TOPIC, durable=exchange.durable)
    transport = rpc.get_rpc_transport(conf)
    client = conductor_rpcapi.ConductorAPI(transport, host='h1')
    client.steps_client = rpc.get_client(transport, TOPIC, version='1.0')
    with kombu.Connection('memory://') as conn:
        queue(conn.default_channel).declare()
        yield client, queue, conn.default_channel
    transport.cleanup()


def _advance(client, ctx=None):
    client.task_advance(ctx or cep_context.get_admin_context(), UUID,
                        values={'task_state': 'reboot_started'},
                        expected_task_state=['reboot_pending'])


def _message(raw):
    return json.loads(json.loads(raw)['oslo.message'])


def test_a_lean_step_is_the_cast_oslo_messaging_sends_and_persistent(memory_bus):
    client, queue, channel = memory_bus
    ctx = cep_context.get_admin_context()
    _advance(client, ctx)                             # oslo.messaging's cast
    client.step_publisher = publisher = _publisher()
    _advance(client, ctx)                             # the lean publisher's
    oslo_body, oslo_mode, oslo_type = beats._taken(channel, queue)
    lean_body, lean_mode, lean_type = beats._taken(channel, queue)
    assert publisher.published == 1
    oslo, lean = _message(oslo_body), _message(lean_body)
    assert lean['_unique_id'] != oslo['_unique_id']
    assert lean.pop('_unique_id') and oslo.pop('_unique_id')
    assert lean == oslo                               # context, args, method, version
    assert (lean['method'], lean['version'], lean['args']) == (
        'task_advance', '1.2', {'host': 'h1', 'instance_uuid': UUID,
                                'values': {'task_state': 'reboot_started'},
                                'expected_task_state': ['reboot_pending']})
    assert (oslo_mode, lean_mode) == (2, 2)
    assert lean_type == oslo_type == 'application/json'


def test_a_step_the_publisher_cannot_take_goes_through_oslo_messaging(memory_bus,
                                                                         monkeypatch):
    client, queue, channel = memory_bus
    factory = beats.Refused(failures=1)
    client.step_publisher = publisher = _publisher(factory)
    _advance(client)
    assert (publisher.published, publisher.declined, publisher.failed) == (0, 1, 1)
    assert _message(beats._taken(channel, queue)[0])['method'] == 'task_advance'
    monkeypatch.setattr(lean_publisher, 'RETRY_AFTER', 0.0)
    _advance(client)                                  # connects again
    assert (factory.calls, publisher.published) == (2, 1)
    assert _message(beats._taken(channel, queue)[0])['method'] == 'task_advance'


def test_a_batch_of_casts_goes_lean_and_called_steps_never_do(memory_bus):
    client, queue, channel = memory_bus
    client.step_publisher = publisher = _publisher()
    ctx = cep_context.get_admin_context()
    reports = [conductor_rpcapi.report_batcher.Report(
        'task_advance', ctx, ('1.2', {'instance_uuid': uuid, 'values': {},
                                      'expected_task_state': [None]}), False)
        for uuid in ('u1', 'u2')]
    client._send_reports(reports)
    batch = _message(beats._taken(channel, queue)[0])
    assert (batch['method'], batch['version']) == ('report_batch', '1.4')
    assert [item['args']['instance_uuid'] for item in batch['args']['items']] == ['u1', 'u2']
    assert batch['args']['host'] == 'h1' and publisher.published == 1
    # a step someone waits for is an oslo.messaging call: the publisher is not asked
    client.steps_client = client.steps_client.prepare(timeout=0.2)
    client.attempts = 1
    with pytest.raises(oslo_messaging.MessagingTimeout):
        client.task_update(ctx, UUID, values={}, expected_task_state=[None])
    assert publisher.published == 1 and publisher.declined == 0


def test_the_off_switch_and_other_transports_keep_oslo_messaging():
    url = 'rabbit://u:p@broker:5672/vh'
    assert step_publisher.for_conf(beats._conf(url, steps_publisher='rpc')) is None
    assert step_publisher.for_conf(beats._conf('fake:/')) is None
    one = step_publisher.for_conf(beats._conf(url))
    assert one is step_publisher.for_conf(beats._conf(url))     # one per process and URL
    assert one is not heartbeat_publisher.for_conf(beats._conf(url))   # its own connection
    assert (one.delivery_mode, one.confirm_timeout) == (2, step_publisher.CONFIRM_TIMEOUT)
    assert one.name == 'cepheid-steps-publisher'
    lean_publisher.close_all()


def test_the_service_hands_its_conductor_the_shared_publisher(monkeypatch):
    from cepheid.compute import service as compute_service
    conf = beats._conf('rabbit://u:p@broker:5672/vh', host='h1', compute_driver='fake')
    fake = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    service = compute_service.ComputeService(conf, transport=fake,
                                             notification_transport=fake)
    assert service.conductor.step_publisher is step_publisher.for_conf(conf)
    assert service.conductor.heartbeat_publisher is heartbeat_publisher.for_conf(conf)
    lean_publisher.close_all()


def _overlapping(publisher, monkeypatch):
    """Publish twice, the second while the first is still publishing (held in ``body``);
    the second's result."""
    entered, release = threading.Event(), threading.Event()
    real = lean_publisher.body

    def held_once(*args):
        if not entered.is_set():
            entered.set()
            release.wait(5)
        return real(*args)
    monkeypatch.setattr(lean_publisher, 'body', held_once)
    ctx = cep_context.get_admin_context()
    first = threading.Thread(target=publisher.publish, args=(ctx,), kwargs=dict(
        topic=TOPIC, method='task_advance', args={}, version='1.2'))
    first.start()
    entered.wait(5)
    try:
        return publisher.publish(ctx, topic=TOPIC, method='task_advance', args={},
                                 version='1.2')
    finally:
        release.set()
        first.join()


def test_overlapping_publishes_open_a_second_connection_serial_ones_reuse_one(
        memory_bus, monkeypatch):
    factory = beats.Opened()
    publisher = lean_publisher.Publisher(
        ['memory://'], exchange=kombu_transport.topic_exchange(beats._conf('fake:/')),
        name='test', persistent=True, confirm_timeout=5.0, connections=2,
        connection_factory=factory)
    ctx = cep_context.get_admin_context()
    for _ in range(3):
        assert publisher.publish(ctx, topic=TOPIC, method='m', args={}, version='1.0')
    assert len(factory.opened) == 1
    assert _overlapping(publisher, monkeypatch)
    assert len(factory.opened) == 2 and publisher.published == 5
    publisher.close()
    assert not any(conn.connected for conn in factory.opened)


def test_with_one_connection_an_overlapping_publish_waits_then_hands_back(
        memory_bus, monkeypatch):
    publisher = _publisher()
    monkeypatch.setattr(lean_publisher, 'LOCK_WAIT', 0.1)
    assert not _overlapping(publisher, monkeypatch)
    assert (publisher.published, publisher.declined) == (1, 1)
