"""The api outbox's casts through a lean publisher (compute/rpcapi.py, ``[api]
casts_publisher``): a cast to a host, and a ``run_casts`` batch, leave as the message
oslo.messaging's cast would send to ``compute.<host>``; a cast past the version cap is
not published lean and oslo.messaging refuses it as before; a cast the publisher cannot
take goes through oslo.messaging. Over kombu's in-memory broker; the api service builds
the publisher only for RabbitMQ with the option on."""

import json

import kombu
import oslo_messaging
import pytest

from cepheid.api import conf as api_conf
from cepheid.api import service as api_service
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import rpcapi as compute_rpcapi
from tests.unit.compute import test_heartbeat_publisher as beats

HOST = 'host-a'
INSTANCE = {'uuid': '3e8f5d0a-0b7e-4c7e-9a55-7b0f0e7f9a01', 'host': HOST}


def _conf(url, **api_overrides):
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', url)
    for name, value in api_overrides.items():
        conf.set_override(name, value, group='api')
    return conf


@pytest.fixture
def memory_bus():
    """(transport, exchange, the host's queue, a channel) over kombu's in-memory broker."""
    conf = beats._conf('kombu+memory:////')
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue(f'compute.{HOST}', exchange, routing_key=f'compute.{HOST}',
                        durable=exchange.durable)
    transport = rpc.get_rpc_transport(conf)
    with kombu.Connection('memory://') as conn:
        queue(conn.default_channel).declare()
        yield transport, exchange, queue, conn.default_channel
    transport.cleanup()


def _publisher(exchange, factory=None):
    options = {'connection_factory': factory} if factory else {}
    return lean_publisher.Publisher(['memory://'], exchange=exchange, name='test-casts',
                                    persistent=True, confirm_timeout=5.0, **options)


def _message(channel, queue):
    message = queue(channel).get(no_ack=True)
    body = json.loads(json.loads(message.body)['oslo.message'])
    body.pop('_unique_id')
    return body, message.properties['delivery_mode']


def test_a_lean_cast_and_batch_are_the_casts_oslo_messaging_sends(memory_bus):
    transport, exchange, queue, channel = memory_bus
    ctx = cep_context.get_admin_context().to_dict()
    cast = compute_rpcapi.reboot_instance(INSTANCE, 'HARD')
    batch = [(ctx, cast), (ctx, compute_rpcapi.reboot_instance(INSTANCE, 'SOFT'))]
    oslo = compute_rpcapi.ComputeRPCAPI(transport, retry=0)
    lean = compute_rpcapi.ComputeRPCAPI(transport, retry=0,
                                        publisher=_publisher(exchange))
    for api in (oslo, lean):
        api.send(ctx, cast)
        api.send_batch(HOST, batch)
    sent = [_message(channel, queue) for _ in range(4)]
    assert sent[0] == sent[2] and sent[1] == sent[3]
    assert lean.publisher.published == 2
    (one, mode), (many, _) = sent[2], sent[3]
    assert (one['method'], one['version'], one['args']['reboot_type'], mode) == (
        'reboot_instance', '1.0', 'HARD', 2)
    assert one['args']['instance']['uuid'] == INSTANCE['uuid']
    assert (many['method'], many['version']) == ('run_casts', '1.8')
    assert [c['kwargs']['reboot_type'] for c in many['args']['casts']] == ['HARD', 'SOFT']


def test_past_the_version_cap_nothing_is_published_lean(memory_bus):
    transport, exchange, queue, channel = memory_bus
    api = compute_rpcapi.ComputeRPCAPI(transport, retry=0, version_cap='1.7',
                                       publisher=_publisher(exchange))
    ctx = cep_context.get_admin_context().to_dict()
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        api.send_batch(HOST, [(ctx, compute_rpcapi.reboot_instance(INSTANCE, 'HARD'))])
    assert api.publisher.published == 0


def test_a_cast_the_publisher_cannot_take_goes_through_oslo_messaging(memory_bus):
    transport, exchange, queue, channel = memory_bus
    api = compute_rpcapi.ComputeRPCAPI(
        transport, retry=0, publisher=_publisher(exchange, beats.Refused(failures=1)))
    api.send(cep_context.get_admin_context(),
             compute_rpcapi.reboot_instance(INSTANCE, 'SOFT'))
    assert (api.publisher.published, api.publisher.declined) == (0, 1)
    assert _message(channel, queue)[0]['args']['reboot_type'] == 'SOFT'


def test_the_api_builds_the_publisher_for_rabbitmq_unless_told_rpc():
    url = 'rabbit://u:p@broker:5672/vh'
    one = api_service.casts_publisher(_conf(url))
    assert one is api_service.casts_publisher(_conf(url))       # one per process and URL
    assert (one.name, one.delivery_mode, one.confirm_timeout) == (
        'cepheid-api-casts', 2, api_service.CASTS_CONFIRM_TIMEOUT)
    assert api_service.casts_publisher(_conf(url, casts_publisher='rpc')) is None
    assert api_service.casts_publisher(_conf('fake:/')) is None
    lean_publisher.close_all()
