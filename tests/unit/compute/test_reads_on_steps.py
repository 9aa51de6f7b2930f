"""The called heartbeat and the power sync's ``instances_on_host`` go to the steps topic
when the api named it and advertised conductor 1.13 (its steps consumer serves them), and
to the conductor topic otherwise: the first called heartbeat (how a compute learns the
topics), any after a fallback, an api older than 1.13, a steps topic that does not answer
(asked again on the conductor topic, whose answer decides) or that refuses them (an older
api process on the same queue). Over oslo.messaging's fake driver, real RPC servers."""

import threading

import oslo_messaging
import pytest
from oslo_messaging._drivers import impl_fake

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conductor_topics

STEPS = 'cepheid-api-steps'
CURRENT = {'steps_topic': STEPS, 'conductor_version': '1.13'}


def _over_rabbitmq(exc_type, message):
    """What a compute's client raises over RabbitMQ for an exception of the api that is
    no Cepheid exception (oslo.messaging's fake driver hands the exception over as is)."""
    return oslo_messaging.RemoteError(exc_type, message)


class Api:
    """One topic's endpoint: records which topic each message came on."""

    def __init__(self, log, topic, *, reads=True):
        self.log, self.topic, self.answer = log, topic, None
        self.target = oslo_messaging.Target(version='1.13')
        self.reads = reads           # False: an api process older than 1.13 (steps queue)

    def _refuse_unless_served(self, method):
        if not self.reads:
            raise _over_rabbitmq('NoSuchMethod', f'Endpoint does not support RPC method '
                                                 f'{method}')

    def service_heartbeat(self, context, *, host, binary, topic, resources=None):
        self._refuse_unless_served('service_heartbeat')
        self.log.append((self.topic, 'service_heartbeat'))
        return self.answer

    def instances_on_host(self, context, *, host):
        self._refuse_unless_served('instances_on_host')
        self.log.append((self.topic, 'instances_on_host'))
        return [{'uuid': 'u1', 'host': host}]

    def begin(self, context, *, host, instance_uuid, event, values, expected_task_state):
        self.log.append((self.topic, 'begin'))
        return {'instance': {'uuid': instance_uuid}, 'event_id': 7}


@pytest.fixture
def bus(monkeypatch):
    monkeypatch.setattr(conductor_topics, 'HEARTBEAT_CALL_TIMEOUT', 0.5)
    impl_fake.FakeExchangeManager.cleanup()     # no call left unanswered by another test
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    servers = []

    def serve(topic, **options):
        api = Api(log, topic, **options)
        server = rpc.get_server(conf, transport, topic, server='api', endpoints=[api])
        server.start()
        servers.append(server)
        return api

    log = []
    client = conductor_rpcapi.ConductorAPI(transport, host='h1', timeout=0.5)
    yield client, serve, log
    for server in servers:
        server.stop()
        server.wait()
    impl_fake.FakeExchangeManager.cleanup()


def _call_beat(client):
    client.service_heartbeat(cep_context.get_admin_context(), binary='cepheid-compute',
                             topic='compute', wait=True)


def _reads(client):
    _call_beat(client)
    assert client.instances_on_host(cep_context.get_admin_context()) == [
        {'uuid': 'u1', 'host': 'h1'}]


def test_the_first_called_heartbeat_goes_to_the_conductor_and_names_the_steps_topic(bus):
    client, serve, log = bus
    conductor, steps = serve('cepheid-api'), serve(STEPS)
    conductor.answer = steps.answer = CURRENT
    _reads(client)                       # knows no topic yet: the beat to the conductor
    _reads(client)
    assert log == [('cepheid-api', 'service_heartbeat'), (STEPS, 'instances_on_host'),
                   (STEPS, 'service_heartbeat'), (STEPS, 'instances_on_host')]


@pytest.mark.parametrize('answer', [
    {'steps_topic': STEPS, 'conductor_version': '1.12'},     # an api older than 1.13
    {'steps_topic': STEPS},                                  # older still
    {'conductor_version': '1.13'},                           # [api] steps_consumer = rpc
])
def test_an_api_that_does_not_serve_them_on_the_steps_topic_gets_them_on_its_own(
        bus, answer):
    client, serve, log = bus
    conductor, steps = serve('cepheid-api'), serve(STEPS)
    conductor.answer = steps.answer = answer
    _reads(client)
    _reads(client)
    assert {topic for topic, method in log if method != 'begin'} == {'cepheid-api'}


def test_a_called_heartbeat_unanswered_on_the_steps_topic_is_asked_on_the_conductor(bus):
    client, serve, log = bus
    conductor = serve('cepheid-api')         # nobody consumes the steps topic any more
    conductor.answer = CURRENT
    _call_beat(client)
    conductor.answer = {'conductor_version': '1.13'}    # switched to steps_consumer = rpc
    _call_beat(client)                       # times out on the steps topic, then asked here
    assert client.steps_client is client.client
    _reads(client)
    assert log == [('cepheid-api', 'service_heartbeat')] * 3 + [
        ('cepheid-api', 'instances_on_host')]


def test_an_older_api_process_on_the_steps_queue_refuses_them_and_they_fall_back(bus):
    client, serve, log = bus
    conductor = serve('cepheid-api')
    serve(STEPS, reads=False)                # answers NoSuchMethod, as a 1.12 api would
    conductor.answer = CURRENT
    _call_beat(client)
    _reads(client)
    assert log == [('cepheid-api', 'service_heartbeat')] * 2 + [
        ('cepheid-api', 'instances_on_host')]
    assert client.steps_client.target.topic == STEPS      # the steps stay where they are
    assert client.begin(cep_context.get_admin_context(), 'u1', event='e', values={},
                        expected_task_state=[None]) == ({'uuid': 'u1'}, 7)
    assert log[-1] == (STEPS, 'begin')


def test_instances_on_host_timed_out_twice_on_the_steps_topic_goes_to_the_conductor(bus):
    client, serve, log = bus
    conductor = serve('cepheid-api')
    conductor.answer = CURRENT
    _call_beat(client)                       # the steps topic named, but nobody consumes it
    assert client.instances_on_host(cep_context.get_admin_context()) == [
        {'uuid': 'u1', 'host': 'h1'}]
    assert client.steps_client is client.client
    assert log == [('cepheid-api', 'service_heartbeat'), ('cepheid-api', 'instances_on_host')]


def test_a_conductor_error_on_the_steps_topic_reaches_the_caller(bus):
    client, serve, log = bus
    conductor, steps = serve('cepheid-api'), serve(STEPS)
    conductor.answer = CURRENT
    _call_beat(client)
    failed = threading.Event()

    def broken(context, *, host):
        failed.set()
        raise _over_rabbitmq('ValueError', 'boom')
    steps.instances_on_host = broken
    with pytest.raises(oslo_messaging.RemoteError) as caught:
        client.instances_on_host(cep_context.get_admin_context())
    assert caught.value.exc_type == 'ValueError' and failed.is_set()
    assert log == [('cepheid-api', 'service_heartbeat')]       # not asked again there
