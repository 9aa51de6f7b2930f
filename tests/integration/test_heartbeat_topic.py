"""Heartbeats over RabbitMQ: with the lean consumer (the default) the computes' beats go to
the queue ``cepheid-heartbeat`` the api consumes, keep the hosts up in os-services, a
killed host is down within 2 x service_down_time; with ``[api] heartbeat_consumer = rpc``
they stay on the conductor topic and no heartbeat queue exists. Each compute process
publishes its beats from its own lean connection (compute/heartbeat_publisher.py)."""

import time

import pytest

from tests.fixtures import http
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

SERVICE_DOWN_TIME = 10   # the cluster fixture's, with report_interval 1


def _services(cluster):
    status, body = cluster.client.get('/os-services?binary=cepheid-compute',
                                      token=http.ADMIN)
    assert status == 200
    return {s['host']: s for s in body['services']}


def _beats_advance(cluster, host):
    first = _services(cluster)[host]['updated_at']
    processes.wait_until(lambda: _services(cluster)[host]['updated_at'] != first, 15,
                         f'a newer heartbeat of {host}')


def test_lean_consumer_keeps_hosts_up_and_a_killed_one_goes_down(start):
    cluster = start()
    assert rabbit_queues.queues(cluster.vhost.name)['cepheid-heartbeat'][0] == 1
    _beats_advance(cluster, 'hostA')
    _beats_advance(cluster, 'hostA')
    # each compute process publishes its beats lean (compute/heartbeat_publisher.py)
    assert len(rabbit_queues.connections(cluster.vhost.name,
                                         'cepheid-heartbeat-publisher')) == 2
    cluster.computes['hostB'].kill()
    killed = time.monotonic()
    processes.wait_until(lambda: _services(cluster)['hostB']['state'] == 'down',
                         2 * SERVICE_DOWN_TIME + 5, 'hostB down')
    assert time.monotonic() - killed <= 2 * SERVICE_DOWN_TIME
    services = _services(cluster)
    assert services['hostA']['state'] == 'up'
    # every beat was consumed: nothing waits in the heartbeat queue
    processes.wait_until(
        lambda: rabbit_queues.queues(cluster.vhost.name)['cepheid-heartbeat'][1] == 0,
        10, 'heartbeat queue drained')


def test_rpc_setting_keeps_heartbeats_on_the_conductor_topic(start):
    cluster = start(api_options={'api.heartbeat_consumer': 'rpc'})
    _beats_advance(cluster, 'hostA')
    _beats_advance(cluster, 'hostB')
    assert 'cepheid-heartbeat' not in rabbit_queues.queues(cluster.vhost.name)
    assert {s['state'] for s in _services(cluster).values()} == {'up'}
