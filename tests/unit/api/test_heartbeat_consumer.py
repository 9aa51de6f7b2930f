"""The lean heartbeat consumer: it decodes oslo.messaging's cast envelope, records each
beat where the conductor would, drops (and acks) anything else, and runs only for a
RabbitMQ transport with ``[api] heartbeat_consumer = lean``."""

import json

import pytest
from oslo_messaging._drivers import common as driver_common

from cepheid.api import conductor
from cepheid.api import conf as api_conf
from cepheid.api import heartbeat_consumer
from cepheid.api import heartbeats
from cepheid.api import kombu_consumer
from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import services as db_services
from cepheid.common import config
from tests.fixtures import local_stack

BINARY = 'cepheid-compute'


def _cast(method='service_heartbeat', version='1.3', **args):
    """A cast as oslo.messaging's AMQP driver publishes it: the 2.0 envelope around the
    message, its context flattened into ``_context_*`` keys."""
    message = {'method': method, 'args': args, 'version': version,
               '_context_request_id': 'req-1', '_context_user_id': None,
               '_context_roles': ['admin'], '_unique_id': 'abc'}
    return driver_common.serialize_msg(message)


class Message:
    acked = False

    def ack(self):
        self.acked = True


@pytest.fixture
def db():
    return local_stack.LocalStack().db


def _conf(url, consumer='lean'):
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', url)
    conf.set_override('heartbeat_consumer', consumer, group='api')
    return conf


def test_decode_a_heartbeat_cast_gives_its_arguments():
    body = _cast(host='h1', binary=BINARY, topic='compute', resources={'vcpus': 4})
    assert heartbeat_consumer.decode(body) == {
        'host': 'h1', 'binary': BINARY, 'topic': 'compute', 'resources': {'vcpus': 4}}
    assert heartbeat_consumer.decode(json.dumps(body).encode())['host'] == 'h1'


@pytest.mark.parametrize('body', [
    _cast(method='task_begin', host='h1', binary=BINARY, topic='compute'),
    _cast(version='2.0', host='h1', binary=BINARY, topic='compute'),
    _cast(binary=BINARY, topic='compute'),
    ['not', 'a', 'message'],
])
def test_decode_refuses_what_is_not_a_heartbeat(body):
    assert heartbeat_consumer.decode(body) is None


def test_each_beat_is_written_through_the_batcher_and_acked(db):
    endpoint = conductor.ConductorEndpoint(db, heartbeats=heartbeats.HeartbeatBatcher(db))
    consumer = heartbeat_consumer.HeartbeatConsumer(
        _conf('rabbit://guest:guest@127.0.0.1:5672/'), endpoint._record_heartbeat)
    for _ in range(3):
        message = Message()
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute',
                                  resources={'vcpus': 8, 'memory_mb': 512,
                                             'local_gb': 1}), message)
        assert message.acked
    endpoint.heartbeats.flush()
    with db.transaction() as session:
        [service] = db_services.service_list(session, binary=BINARY)
        [node] = db_compute_nodes.get_all(session)
    assert (service['host'], service['report_count']) == ('h1', 3)
    assert (node['host'], node['vcpus']) == ('h1', 8)
    assert (consumer.received, consumer.dropped) == (3, 0)


def test_a_message_that_is_no_heartbeat_is_acked_and_dropped(db):
    beats = []
    consumer = heartbeat_consumer.HeartbeatConsumer(
        _conf('rabbit://guest:guest@127.0.0.1:5672/'), lambda **beat: beats.append(beat))
    message = Message()
    consumer.on_message(b'{not json', message)
    assert message.acked and beats == [] and consumer.dropped == 1


def test_the_conductor_names_the_heartbeat_topic_only_when_it_consumes_it(db):
    lean = conductor.ConductorEndpoint(db, heartbeat_topic=heartbeat_consumer.TOPIC)
    plain = conductor.ConductorEndpoint(db)
    assert lean.service_heartbeat(None, host='h1', binary=BINARY, topic='compute') == {
        'heartbeat_topic': 'cepheid-heartbeat', 'conductor_version': conductor.VERSION}
    assert plain.service_heartbeat(None, host='h2', binary=BINARY, topic='compute') == {
        'conductor_version': conductor.VERSION}
    with db.transaction() as session:
        hosts = {s['host'] for s in db_services.service_list(session, binary=BINARY)}
    assert hosts == {'h1', 'h2'}


@pytest.mark.parametrize('url, consumer, expected', [
    ('rabbit://guest:guest@127.0.0.1:5672/', 'lean', True),
    ('rabbit://guest:guest@127.0.0.1:5672/', 'rpc', False),
    ('fake:/', 'lean', False),
])
def test_lean_consumer_runs_only_on_rabbitmq_when_asked(url, consumer, expected):
    assert heartbeat_consumer.usable(_conf(url, consumer)) is expected


def test_broker_urls_keep_every_host_credentials_and_vhost():
    conf = _conf('rabbit://u%40x:p%2Fw@h1:5672,u%40x:p%2Fw@h2:5673/cell-1')
    assert kombu_consumer.broker_urls(conf) == [
        'amqp://u%40x:p%2Fw@h1:5672/cell-1', 'amqp://u%40x:p%2Fw@h2:5673/cell-1']


def test_a_beat_the_database_refuses_is_acked_and_the_next_one_recorded():
    beats = []

    def record(**beat):
        if not beats:
            beats.append(None)
            raise RuntimeError('database unavailable')
        beats.append(beat['host'])

    consumer = heartbeat_consumer.HeartbeatConsumer(
        _conf('rabbit://guest:guest@127.0.0.1:5672/'), record)
    messages = [Message(), Message()]
    for message in messages:
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'), message)
    assert all(m.acked for m in messages) and beats == [None, 'h1']
