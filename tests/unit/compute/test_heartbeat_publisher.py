"""The lean heartbeat publisher (compute/heartbeat_publisher.py): a beat it publishes is
byte for byte the cast oslo.messaging sends (but transient), the api's consumer decodes
it; a failing connection sends the beat through oslo.messaging and a later beat connects
again; ``heartbeat_publisher = rpc`` (or a transport other than RabbitMQ) turns it off.
Over kombu's in-memory broker (oslo.messaging's ``kombu+memory``) and its fake driver."""

import json

import kombu
import oslo_messaging
import pytest

from cepheid.api import heartbeat_consumer
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conf as compute_conf
from cepheid.compute import heartbeat_publisher
from tests.unit.compute import test_heartbeat_topic

TOPIC = 'cepheid-heartbeat'
ARGS = {'resources': {'vcpus': 4, 'memory_mb': 512}, 'host': 'h1',
        'binary': 'cepheid-compute', 'topic': 'compute'}


def _conf(url, **overrides):
    conf = config.make_conf(compute_conf.register_opts)
    conf([])
    conf.set_override('transport_url', url)
    for name, value in overrides.items():
        conf.set_override(name, value)
    return conf


def _taken(channel, queue):
    """The body (bytes, as the broker holds it) and delivery mode of the next message."""
    message = queue(channel).get(no_ack=True)
    return message.body, message.properties['delivery_mode'], message.content_type


def _unique_id(raw):
    return json.loads(json.loads(raw)['oslo.message'])['_unique_id'].encode()


@pytest.mark.parametrize('version', ['1.0', '1.3'])
def test_a_lean_beat_is_the_cast_oslo_messaging_sends_but_transient(version):
    conf = _conf('kombu+memory:////')
    args = ARGS if version == '1.3' else {k: v for k, v in ARGS.items() if k != 'resources'}
    exchange = kombu_transport.topic_exchange(conf)
    queue = kombu.Queue(TOPIC, exchange, routing_key=TOPIC, durable=exchange.durable)
    transport = rpc.get_rpc_transport(conf)
    ctx = cep_context.get_admin_context()
    with kombu.Connection('memory://') as conn:
        queue(conn.default_channel).declare()
        rpc.get_client(transport, TOPIC, version='1.0').prepare(version=version).cast(
            ctx, 'service_heartbeat', **args)
        publisher = heartbeat_publisher.Publisher(['memory://'], exchange=exchange)
        assert publisher.publish(ctx, topic=TOPIC, method='service_heartbeat', args=args,
                                 version=version)
        oslo_body, oslo_mode, oslo_type = _taken(conn.default_channel, queue)
        lean_body, lean_mode, lean_type = _taken(conn.default_channel, queue)
    transport.cleanup()
    # the same bytes but for the _unique_id, which each cast draws afresh
    assert _unique_id(lean_body) != _unique_id(oslo_body)
    assert lean_body.replace(_unique_id(lean_body), _unique_id(oslo_body)) == oslo_body
    assert (oslo_mode, lean_mode) == (2, 1)
    assert lean_type == oslo_type == 'application/json'
    beat = heartbeat_consumer.decode(lean_body)
    assert beat == {'resources': None, **args}
    assert json.loads(json.loads(lean_body)['oslo.message'])['version'] == version


class Refused:
    """A connection factory whose first ``failures`` connections fail, then kombu's."""

    def __init__(self, failures):
        self.failures, self.calls = failures, 0

    def __call__(self, urls, **options):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionRefusedError('broker down')
        return kombu.Connection('memory://')


@pytest.fixture
def bus():
    yield from test_heartbeat_topic.bus.__wrapped__()


def _told_the_topic(client, conductor, publisher):
    client.heartbeat_publisher = publisher
    conductor.answer = {'heartbeat_topic': TOPIC}
    test_heartbeat_topic._beat(client, wait=True)


def test_a_failed_publish_goes_through_oslo_messaging_and_a_later_beat_reconnects(
        bus, monkeypatch):
    client, conductor, lean = bus
    factory = Refused(failures=1)
    publisher = heartbeat_publisher.Publisher(
        ['memory://'], exchange=kombu.Exchange('openstack', 'topic'),
        connection_factory=factory)
    _told_the_topic(client, conductor, publisher)
    test_heartbeat_topic._beat(client)
    test_heartbeat_topic._beat(client)       # within RETRY_AFTER: no new connection
    lean.wait_for(2)
    assert (factory.calls, publisher.failed, publisher.published) == (1, 1, 0)
    monkeypatch.setattr(lean_publisher, 'RETRY_AFTER', 0.0)
    test_heartbeat_topic._beat(client, resources={'vcpus': 2})
    assert (factory.calls, publisher.published) == (2, 1)
    assert lean.beats == [(TOPIC, 'h1', False), (TOPIC, 'h1', False)]
    assert conductor.beats == [('cepheid-api', 'h1', False)]


class Opened:
    """A connection factory that keeps what it opened (kombu's in-memory transport)."""

    def __init__(self):
        self.opened = []

    def __call__(self, urls, **options):
        self.opened.append(kombu.Connection('memory://'))
        return self.opened[-1]


def test_a_closed_publisher_closes_its_connection_and_hands_beats_back(bus):
    client, conductor, lean = bus
    factory = Opened()
    publisher = heartbeat_publisher.Publisher(
        ['memory://'], exchange=kombu.Exchange('openstack', 'topic'),
        connection_factory=factory)
    _told_the_topic(client, conductor, publisher)
    test_heartbeat_topic._beat(client)
    assert publisher.published == 1 and factory.opened[0].connected
    publisher.close()
    assert not factory.opened[0].connected
    test_heartbeat_topic._beat(client)       # through oslo.messaging, no new connection
    lean.wait_for(1)
    assert lean.beats == [(TOPIC, 'h1', False)]
    assert (len(factory.opened), publisher.published, publisher.declined) == (1, 1, 1)
    publisher.close()                        # twice: nothing to do


def test_close_all_forgets_the_shared_publishers():
    url = 'rabbit://u:p@broker:5672/vh'
    one = heartbeat_publisher.for_conf(_conf(url))
    heartbeat_publisher.close_all()
    assert one._closed
    assert heartbeat_publisher.for_conf(_conf(url)) is not one


def test_beats_on_the_conductor_topic_never_use_the_publisher(bus):
    client, conductor, _ = bus
    factory = Refused(failures=0)
    client.heartbeat_publisher = heartbeat_publisher.Publisher(
        ['memory://'], exchange=kombu.Exchange('openstack', 'topic'),
        connection_factory=factory)
    test_heartbeat_topic._beat(client, wait=True)       # the api names no topic
    test_heartbeat_topic._beat(client)
    conductor.wait_for(2)
    assert factory.calls == 0


def test_the_off_switch_and_other_transports_keep_oslo_messaging():
    url = 'rabbit://u:p@broker:5672/vh'
    assert heartbeat_publisher.for_conf(_conf(url, heartbeat_publisher='rpc')) is None
    assert heartbeat_publisher.for_conf(_conf('fake:/')) is None
    one = heartbeat_publisher.for_conf(_conf(url))
    assert one is heartbeat_publisher.for_conf(_conf(url))     # one per process and URL
    assert one is not heartbeat_publisher.for_conf(_conf('rabbit://u:p@broker:5672/other'))
    assert one.urls == ['amqp://u:p@broker:5672/vh']
    assert (one.exchange.name, one.exchange.durable) == ('cepheid', True)
    assert one.published == one.failed == 0                     # nothing connected yet


def test_the_service_hands_its_conductor_the_shared_publisher():
    conf = _conf('rabbit://u:p@broker:5672/vh')
    conductor = conductor_rpcapi.ConductorAPI(
        oslo_messaging.get_rpc_transport(conf, url='fake:/'), host='h1',
        heartbeat_publisher=heartbeat_publisher.for_conf(conf))
    assert conductor.heartbeat_publisher is heartbeat_publisher.for_conf(conf)
