"""The lean heartbeat consumer: it decodes oslo.messaging's cast envelope (the raw body),
records each beat where the conductor would, drops (and acks) anything else, acks
several beats at once and only those handed over, and runs only for a RabbitMQ
transport with ``[api] heartbeat_consumer = lean``."""

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


class Channel:
    """Acks as the broker sees them: ``(delivery tag, multiple)``."""

    def __init__(self):
        self.acks = []
        self.tags = 0

    def message(self):
        self.tags += 1
        return Message(self, self.tags)

    def acked(self):
        """Delivery tags the broker considers acked."""
        done = set()
        for tag, multiple in self.acks:
            done.update(range(1, tag + 1) if multiple else (tag,))
        return done


class Message:
    def __init__(self, channel=None, tag=1):
        self.channel = channel or Channel()
        self.delivery_tag = tag

    def ack(self, multiple=False):
        self.channel.acks.append((self.delivery_tag, multiple))

    @property
    def acked(self):
        return self.delivery_tag in self.channel.acked()


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
    channel = Channel()
    for _ in range(3):
        consumer.on_message(json.dumps(_cast(
            host='h1', binary=BINARY, topic='compute',
            resources={'vcpus': 8, 'memory_mb': 512, 'local_gb': 1})).encode(),
            channel.message())
    consumer.after_drain(idle=True)
    assert channel.acked() == {1, 2, 3}
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
    consumer.after_drain(idle=True)
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
    channel = Channel()
    messages = [channel.message(), channel.message()]
    for message in messages:
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'), message)
    consumer.after_drain(idle=True)
    assert all(m.acked for m in messages) and beats == [None, 'h1']


def _consumer(record=None):
    return heartbeat_consumer.HeartbeatConsumer(
        _conf('rabbit://guest:guest@127.0.0.1:5672/'), record or (lambda **beat: None))


def test_beats_are_acked_together_every_ack_every_with_one_multiple_ack():
    consumer, channel = _consumer(), Channel()
    for _ in range(heartbeat_consumer.ACK_EVERY - 1):
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'),
                            channel.message())
    consumer.after_drain(idle=False)           # busy, and the oldest is fresh
    assert channel.acks == []
    consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'), channel.message())
    assert channel.acks == [(heartbeat_consumer.ACK_EVERY, True)]
    assert heartbeat_consumer.ACK_EVERY < heartbeat_consumer.PREFETCH


def test_unacked_beats_are_acked_once_the_oldest_waited_ack_within(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(heartbeat_consumer.time, 'monotonic', lambda: now[0])
    consumer, channel = _consumer(), Channel()
    consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'), channel.message())
    now[0] += heartbeat_consumer.ACK_WITHIN / 2
    consumer.on_message(_cast(host='h2', binary=BINARY, topic='compute'), channel.message())
    consumer.after_drain(idle=False)
    assert channel.acks == []
    now[0] += heartbeat_consumer.ACK_WITHIN / 2
    consumer.after_drain(idle=False)
    assert channel.acks == [(2, True)]
    consumer.after_drain(idle=True)           # nothing left to ack
    assert channel.acks == [(2, True)]


def _burst(consumer, channel, beats):
    """What the consumer's loop does with ``beats`` beats that arrive together after a
    quiet spell: (drain timeout, pause after) of each wait, the last one timing out."""
    steps = []
    for _ in range(beats):
        timeout = consumer.drain_timeout()
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'),
                            channel.message())
        consumer.after_drain(idle=False)
        steps.append((timeout, consumer.pause_after(idle=False)))
    timeout = consumer.drain_timeout()
    consumer.after_drain(idle=True)
    steps.append((timeout, consumer.pause_after(idle=True)))
    return steps


def test_the_first_beat_after_a_quiet_spell_waits_for_the_others_to_gather():
    consumer, channel = _consumer(), Channel()
    steps = _burst(consumer, channel, 3)
    # one wake-up for the first beat, a sleep of GATHER, the rest taken without waiting
    assert steps == [(kombu_consumer.DRAIN_TIMEOUT, heartbeat_consumer.GATHER),
                     (heartbeat_consumer.BURST_WAIT, 0.0),
                     (heartbeat_consumer.BURST_WAIT, 0.0),
                     (heartbeat_consumer.BURST_WAIT, 0.0)]
    # the burst's end acks it all, and the next beat starts a new burst
    assert channel.acks == [(3, True)]
    assert _burst(consumer, channel, 1)[0] == (kombu_consumer.DRAIN_TIMEOUT,
                                               heartbeat_consumer.GATHER)
    assert channel.acks == [(3, True), (4, True)]


def test_a_burst_that_never_stops_sleeps_again_after_burst_max(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(heartbeat_consumer.time, 'monotonic', lambda: now[0])
    consumer, channel = _consumer(), Channel()
    pauses = []
    for _ in range(10):                 # a beat every 12 ms, never BURST_WAIT apart
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'),
                            channel.message())
        consumer.after_drain(idle=False)
        pause = consumer.pause_after(idle=False)
        pauses.append(pause)
        now[0] += pause + 0.012
    gather = heartbeat_consumer.GATHER
    taken = int(heartbeat_consumer.BURST_MAX / 0.012)
    assert pauses == ([gather] + [0.0] * taken) * 2


def test_the_default_topic_consumer_never_pauses():
    class Consumer(kombu_consumer.TopicConsumer):
        topic = 'some-topic'

    consumer = Consumer(_conf('rabbit://guest:guest@127.0.0.1:5672/'))
    assert consumer.pause_after(idle=False) == consumer.pause_after(idle=True) == 0.0


def test_no_ack_covers_a_beat_before_it_is_handed_to_the_batcher():
    channel = Channel()
    seen = []

    def record(**beat):
        # while beat n is handed over, the broker holds no ack of it yet
        seen.append(channel.acked())

    consumer = _consumer(record)
    for _ in range(heartbeat_consumer.ACK_EVERY + 5):
        consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'),
                            channel.message())
    consumer.after_drain(idle=True)
    assert all(tag not in acked for tag, acked in enumerate(seen, start=1))
    assert channel.acked() == set(range(1, heartbeat_consumer.ACK_EVERY + 6))


def test_a_new_connection_forgets_the_unacked_tags_of_the_old_one():
    consumer, old = _consumer(), Channel()
    consumer.on_message(_cast(host='h1', binary=BINARY, topic='compute'), old.message())
    consumer.pause_after(idle=False)          # in a burst when the connection went
    consumer.connected()                      # the broker redelivers them on the new one
    assert consumer.drain_timeout() == kombu_consumer.DRAIN_TIMEOUT
    consumer.after_drain(idle=True)
    assert old.acks == []
