"""Where a compute's heartbeats (and the steps of its operations) go: to the topic the api
names in its answer to the called heartbeat (conductor 1.10; 1.11 for the steps), back to
the conductor topic when an answer names none (an older api, or ``[api] heartbeat_consumer
= rpc`` / ``steps_consumer = rpc``) or a step called there gets no answer. Over
oslo.messaging's fake driver, with real RPC servers on the topics."""

import threading

import oslo_messaging
import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi


class Api:
    """The conductor side: answers the called heartbeat with ``answer``; records beats."""

    def __init__(self, topic_name):
        self.topic_name = topic_name
        self.answer = None
        self.beats = []
        self.arrived = threading.Condition()
        self.target = oslo_messaging.Target(version='1.10')

    def service_heartbeat(self, context, *, host, binary, topic, resources=None):
        with self.arrived:
            self.beats.append((self.topic_name, host, resources is not None))
            self.arrived.notify_all()
        return self.answer

    def begin(self, context, *, host, instance_uuid, event, values, expected_task_state):
        with self.arrived:
            self.beats.append((self.topic_name, 'begin', instance_uuid))
            self.arrived.notify_all()
        return {'instance': {'uuid': instance_uuid}, 'event_id': 7}

    def wait_for(self, count):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.beats) >= count, 10)


@pytest.fixture
def bus():
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    conductor = Api('cepheid-api')
    lean = Api('cepheid-heartbeat')
    servers = [rpc.get_server(conf, transport, name, server='api', endpoints=[endpoint])
               for name, endpoint in (('cepheid-api', conductor),
                                      ('cepheid-heartbeat', lean))]
    for server in servers:
        server.start()
    client = conductor_rpcapi.ConductorAPI(transport, host='h1')
    yield client, conductor, lean
    for server in servers:
        server.stop()
        server.wait()


def _begin(client, uuid):
    return client.begin(cep_context.get_admin_context(), uuid, event='e',
                        values={'task_state': 'reboot_pending'},
                        expected_task_state=['rebooting'])


def test_steps_go_to_the_topic_the_api_names_and_back_when_it_names_none(bus):
    client, conductor, lean = bus
    steps = Api('cepheid-api-steps')
    server = rpc.get_server(client.transport.conf, client.transport, 'cepheid-api-steps',
                            server='api', endpoints=[steps])
    server.start()
    try:
        assert _begin(client, 'u1') == ({'uuid': 'u1'}, 7)
        conductor.answer = {'heartbeat_topic': 'cepheid-heartbeat',
                            'steps_topic': 'cepheid-api-steps'}
        _beat(client, wait=True)
        assert _begin(client, 'u2') == ({'uuid': 'u2'}, 7)
        conductor.answer = {'heartbeat_topic': 'cepheid-heartbeat'}
        _beat(client, wait=True)
        _begin(client, 'u3')
    finally:
        server.stop()
        server.wait()
    assert [b for b in conductor.beats if b[1] == 'begin'] == [
        ('cepheid-api', 'begin', 'u1'), ('cepheid-api', 'begin', 'u3')]
    assert steps.beats == [('cepheid-api-steps', 'begin', 'u2')]


def test_a_step_unanswered_on_the_steps_topic_is_retried_on_the_conductor_topic(bus):
    client, conductor, _ = bus
    client = conductor_rpcapi.ConductorAPI(client.transport, host='h1', timeout=0.5)
    conductor.answer = {'steps_topic': 'cepheid-api-steps'}    # nobody consumes it
    _beat(client, wait=True)
    assert _begin(client, 'u1') == ({'uuid': 'u1'}, 7)
    assert _begin(client, 'u2') == ({'uuid': 'u2'}, 7)
    assert [b for b in conductor.beats if b[1] == 'begin'] == [
        ('cepheid-api', 'begin', 'u1'), ('cepheid-api', 'begin', 'u2')]


def _beat(client, wait=False, resources=None):
    client.service_heartbeat(cep_context.get_admin_context(), binary='cepheid-compute',
                             topic='compute', wait=wait, resources=resources)


def test_beats_go_to_the_topic_the_api_names(bus):
    client, conductor, lean = bus
    conductor.answer = {'heartbeat_topic': 'cepheid-heartbeat'}
    _beat(client, wait=True)
    _beat(client)
    _beat(client, resources={'vcpus': 2})
    lean.wait_for(2)
    assert conductor.beats == [('cepheid-api', 'h1', False)]
    assert lean.beats == [('cepheid-heartbeat', 'h1', False),
                          ('cepheid-heartbeat', 'h1', True)]


def test_an_answer_without_a_topic_keeps_or_brings_beats_back_to_the_conductor(bus):
    client, conductor, lean = bus
    _beat(client, wait=True)            # an api that names no topic
    _beat(client)
    conductor.wait_for(2)
    conductor.answer = {'heartbeat_topic': 'cepheid-heartbeat'}
    _beat(client, wait=True)
    _beat(client)
    lean.wait_for(1)
    conductor.answer = None             # the api switched to rpc, or was rolled back
    _beat(client, wait=True)
    _beat(client)
    conductor.wait_for(5)
    assert [b[0] for b in conductor.beats] == ['cepheid-api'] * 5
    assert [b[0] for b in lean.beats] == ['cepheid-heartbeat']
