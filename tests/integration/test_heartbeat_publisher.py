"""A compute's heartbeats through the lean publisher on the real RabbitMQ: published
transient and unconfirmed from the process's one connection, they reach the api's
heartbeat consumer and its batcher updates the services row; with that connection
closed by the broker the beats still arrive, through oslo.messaging's cast, and a later
beat publishes lean again on a new connection. In one process (the api's consumer and
batcher on SQLite, the compute's conductor client), a few seconds."""

import time

import pytest
import sqlalchemy as sa

from cepheid.api import conf as api_conf
from cepheid.api import heartbeat_consumer
from cepheid.api import heartbeats
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conf as compute_conf
from cepheid.compute import heartbeat_publisher
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

HOST = 'lean-host'


@pytest.fixture
def bus(tmp_path):
    """(the compute's conductor client, its publisher, report_count()) over a fresh
    vhost, the api's heartbeat consumer running."""
    vhost = processes.RabbitVhost()
    api_c = config.make_conf(api_conf.register_opts)
    api_c([], default_config_files=[])
    api_c.set_override('transport_url', vhost.url)
    compute_c = config.make_conf(compute_conf.register_opts)
    compute_c([], default_config_files=[])
    compute_c.set_override('transport_url', vhost.url)
    db = db_session.Database(f'sqlite:///{tmp_path}/api.db')
    migration.db_sync(db)
    batcher = heartbeats.HeartbeatBatcher(db, interval=0.1)
    consumer = heartbeat_consumer.HeartbeatConsumer(api_c, batcher.record)
    batcher.start()
    consumer.start()
    # the api names the topic only once its consumer runs (its queue bound)
    processes.wait_until(lambda: rabbit_queues.queues(vhost.name).get(
        heartbeat_consumer.TOPIC, (0,))[0] == 1, 15, 'the heartbeat consumer')
    transport = rpc.get_rpc_transport(compute_c)
    publisher = heartbeat_publisher.for_conf(compute_c)
    client = conductor_rpcapi.ConductorAPI(transport, host=HOST,
                                           heartbeat_publisher=publisher)
    # as after the api named its heartbeat topic in its answer to the called heartbeat
    client.heartbeat_client = rpc.get_client(transport, heartbeat_consumer.TOPIC,
                                             version=conductor_rpcapi.VERSION)

    def report_count():
        with db.engine.connect() as conn:
            return conn.execute(sa.text('SELECT report_count FROM services WHERE host = :h'),
                                {'h': HOST}).scalar()
    try:
        yield client, publisher, report_count, vhost
    finally:
        consumer.stop()
        batcher.stop()
        transport.cleanup()
        db.dispose()
        vhost.delete()


def _beat(client):
    client.service_heartbeat(cep_context.get_admin_context(), binary='cepheid-compute',
                             topic='compute')


def _arrived(report_count, count):
    processes.wait_until(lambda: (report_count() or 0) >= count, 10, f'{count} beats')


def _close_publisher_connection(vhost):
    """Close the publisher's connection from the broker (rabbitmqctl close_connection)."""
    rabbit_queues.close_connection(vhost.name, heartbeat_publisher.CONNECTION_NAME)


def _beat_until(client, done, what, timeout=10):
    """Beats every 0.1 s until ``done()``; how many were sent."""
    deadline, sent = time.monotonic() + timeout, 0
    while not done():
        assert time.monotonic() < deadline, what
        _beat(client)
        sent += 1
        time.sleep(0.1)
    return sent


def test_lean_beats_update_the_service_and_fall_back_when_the_connection_breaks(bus):
    client, publisher, report_count, vhost = bus
    for n in range(1, 4):
        _beat(client)
        _arrived(report_count, n)
    assert (publisher.published, publisher.declined, publisher.failed) == (3, 0, 0)

    _close_publisher_connection(vhost)
    sent = _beat_until(client, lambda: publisher.declined, 'a beat handed back')
    assert publisher.failed == 1
    # lean beats written into the connection the broker was closing may be lost
    lost_at_most = publisher.published - 3
    lean = publisher.published
    sent += _beat_until(client, lambda: publisher.published > lean, 'a new connection')
    assert publisher.declined >= 1 and publisher.failed == 1
    # the handed back beats went through oslo.messaging's cast and arrived too
    _arrived(report_count, 3 + sent - lost_at_most)


def test_closing_the_publisher_ends_its_connection_on_the_broker(bus):
    client, publisher, report_count, vhost = bus
    _beat(client)
    _arrived(report_count, 1)
    assert len(rabbit_queues.connections(vhost.name, heartbeat_publisher.CONNECTION_NAME)) == 1
    publisher.close()       # what atexit does for the process's shared publishers
    processes.wait_until(
        lambda: not rabbit_queues.connections(vhost.name, heartbeat_publisher.CONNECTION_NAME),
        10, 'the broker to forget the closed connection')
    _beat(client)           # handed to oslo.messaging: it still arrives
    _arrived(report_count, 2)
    assert (publisher.published, publisher.declined) == (1, 1)
