"""The broker as the operator sees it in /metrics and the dashboard: reconnects counted by
the api and a compute when a private RabbitMQ node restarts, and the messages ready in a
host's ``compute.<host>`` queue (api side, passive declare) while its compute is stopped."""

import json
import time
import urllib.request

import amqp
import pytest

from cepheid.api import rpc_queue_depth
from cepheid.common import config
from tests.fixtures import http
from tests.fixtures import processes
from tests.fixtures import rabbit_nodes
from tests.integration.test_operator_endpoints import running
from tests.integration.test_operator_endpoints import scrape
from tests.integration.test_operator_endpoints import value

pytestmark = pytest.mark.integration

RECONNECTS = 'cepheid_broker_reconnects_total'
DEPTH = rpc_queue_depth.METRIC


@pytest.fixture(scope='module')
def broker(tmp_path_factory):
    nodes = rabbit_nodes.RabbitNodes(tmp_path_factory.mktemp('rabbit'), 1).start()
    yield nodes
    nodes.stop()


def _hosts_view(port):
    request = urllib.request.Request(f'http://127.0.0.1:{port}/dashboard/api/state',
                                     headers={'X-Auth-Token': http.ADMIN})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return {h['host']: h for h in json.load(resp)['hosts']}


def test_a_broker_restart_moves_the_reconnect_counters_of_api_and_compute(tmp_path, broker):
    metrics_port = processes.free_port()
    with running(tmp_path, hosts=['hostA'], transport_url=broker.new_vhost_url(),
                 compute_options={'metrics.port': metrics_port}) as cluster:
        api_before = value(scrape(cluster.port), RECONNECTS)
        compute_before = value(scrape(metrics_port), RECONNECTS)
        node = broker.nodes[0]
        node.stop()
        node.start().wait_running()
        processes.wait_until(
            lambda: (value(scrape(cluster.port), RECONNECTS) > api_before
                     and value(scrape(metrics_port), RECONNECTS) > compute_before),
            90, 'reconnects counted by the api and the compute', interval=0.5)
        # counted once per reconnected connection, not per failed attempt
        api_after = value(scrape(cluster.port), RECONNECTS)
        compute_after = value(scrape(metrics_port), RECONNECTS)
        assert 1 <= api_after - api_before <= 8 and 1 <= compute_after - compute_before <= 8


def test_casts_waiting_for_a_stopped_compute_show_as_its_queue_depth(tmp_path):
    with running(tmp_path, hosts=['hostA', 'hostB']) as cluster:
        server_id = cluster.create_on('hostA', 'queued')
        assert value(scrape(cluster.port), DEPTH, host='hostA') == 0
        assert _hosts_view(cluster.port)['hostA']['queue_depth'] == 0
        cluster.computes['hostA'].stop()
        assert cluster.reboot(server_id, 'SOFT')[0] == 202   # still reported up
        processes.wait_until(lambda: value(scrape(cluster.port), DEPTH, host='hostA') == 1,
                             30, 'one message ready in compute.hostA', interval=0.5)
        hosts = _hosts_view(cluster.port)
        assert (hosts['hostA']['queue_depth'], hosts['hostB']['queue_depth']) == (1, 0)
        cluster.computes['hostA'].start()
        cluster.wait_idle(server_id, timeout=60)
        processes.wait_until(lambda: value(scrape(cluster.port), DEPTH, host='hostA') == 0,
                             30, 'compute.hostA drained', interval=0.5)


def test_queue_depth_is_cached_and_unknown_for_a_missing_queue():
    vhost = processes.RabbitVhost()
    try:
        conf = config.make_conf()
        conf([])
        conf.set_override('transport_url', vhost.url)
        now = [0.0]
        depth = rpc_queue_depth.RpcQueueDepth(conf, clock=lambda: now[0])
        url = rpc_queue_depth.startup.check_transport(conf)
        with amqp.Connection(host=f'{url.hosts[0].hostname}:{url.hosts[0].port or 5672}',
                             virtual_host=url.virtual_host) as conn:
            channel = conn.channel()
            channel.queue_declare('compute.hostQ', durable=False, auto_delete=False)
            for _ in range(3):
                channel.basic_publish(amqp.Message('{}'), routing_key='compute.hostQ')
            processes.wait_until(
                lambda: channel.queue_declare('compute.hostQ', passive=True).message_count
                == 3, 10, '3 messages ready')
            assert depth.depths(['hostQ', 'nohost']) == {'hostQ': 3, 'nohost': None}
            channel.basic_publish(amqp.Message('{}'), routing_key='compute.hostQ')
            time.sleep(0.2)
            assert depth.depths(['hostQ']) == {'hostQ': 3}       # cached
            now[0] += rpc_queue_depth.CACHE_SECONDS
            assert depth.depths(['hostQ']) == {'hostQ': 4}
    finally:
        vhost.delete()


def test_queue_depth_is_unknown_without_a_broker():
    conf = config.make_conf()
    conf([])
    conf.set_override('transport_url', 'fake://')
    assert rpc_queue_depth.RpcQueueDepth(conf).depths(['hostA']) == {'hostA': None}
