"""A graceful compute stop does not wait out its idle RPC listener's long read: on the real
RabbitMQ, a compute whose listeners wait ``[DEFAULT] rpc_listener_max_wait`` (10 s) between
wakes, and after a message ``rpc_listener_min_wait`` (10 s too), stops in well under a
second, since while it stops it casts empty batches to its own queue (compute/service.py).
In one process, a few seconds."""

import time

import pytest
from oslo_messaging._drivers import amqpdriver

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conf as compute_conf
from cepheid.compute import service as compute_service
from tests.fixtures import processes

pytestmark = pytest.mark.integration


@pytest.fixture
def compute(monkeypatch):
    """A compute with its RPC server started, its listener in a 10 s read."""
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', 0.001)
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX', 5.0)
    vhost = processes.RabbitVhost()
    conf = config.make_conf(compute_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', vhost.url)
    conf.set_override('compute_driver', 'fake')
    assert conf.rpc_listener_max_wait == 10.0
    assert rpc.set_listener_max_wait(conf.rpc_listener_max_wait)
    # The listener reads 10 s from its first read on, as after ~8 s without a message.
    assert rpc.set_listener_min_wait(conf.rpc_listener_max_wait)
    transport = rpc.get_rpc_transport(conf)
    service = compute_service.ComputeService(conf, host='stop-host', transport=transport)
    service.rpc_server.start()
    # After a message, the first wait is the compute's default: as long (no doubling).
    assert conf.rpc_listener_min_wait == 10.0
    assert rpc.set_listener_min_wait(conf.rpc_listener_min_wait)
    try:
        yield service
    finally:
        transport.cleanup()
        service.notification_transport.cleanup()
        vhost.delete()


def test_graceful_stop_of_an_idle_compute_is_prompt(compute):
    time.sleep(1.0)     # the listener is in its 10 s read
    started = time.monotonic()
    compute.stop()
    took = time.monotonic() - started
    assert took < 2.0, took


def test_graceful_stop_right_after_a_message_is_prompt(compute):
    time.sleep(1.0)
    # A message: the listener reads it and then reads again for 10 s.
    compute._wake_client.cast(cep_context.get_admin_context(), 'run_casts', casts=[])
    time.sleep(0.3)
    started = time.monotonic()
    compute.stop()
    took = time.monotonic() - started
    assert took < 2.0, took
