"""The computes' conductor steps over RabbitMQ: with the lean consumer (the default) the
api names the topic ``cepheid-api-steps`` in its answer to a called heartbeat, the
computes send begin / task_advance / task_finish / task_end / report_batch there,
reboots end as before (states, events, start and end notifications — the end sent by the
api for the compute, after the commit, when the end is a cast — or by the compute when it
is a call; the cast steps through each compute's lean publisher, or oslo.messaging with
``steps_publisher = rpc``; the api's casts likewise, ``[api] casts_publisher``), and a
conductor error reaches the
compute's client as the same exception; a compute's called heartbeat and its power sync's
``instances_on_host`` are answered there too (conductor 1.13), and go back to the conductor
topic when the steps topic does not answer; with ``[api] steps_consumer = rpc`` the steps
stay on the conductor topic and no steps queue exists."""

import oslo_messaging
import pytest

from cepheid.api import service as api_service
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conductor_topics
from cepheid.compute import step_publisher
from tests.fixtures import http
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

TOPIC = 'cepheid-api-steps'


def _reboot_all(cluster, servers):
    """SOFT, HARD, SOFT... over ``servers``: each ends ACTIVE and idle with its events
    Success and its start and end notifications, published as its compute's; once a
    server's end notification is out, its end state is already saved."""
    listener = cluster.listener()
    try:
        for index, server_id in enumerate(servers):
            status, _ = cluster.reboot(server_id, ('SOFT', 'HARD')[index % 2])
            assert status == 202

        def reboot_events(server_id):
            return [e[1:3] for e in listener.events if e[2].startswith('instance.reboot')
                    and e[3]['nova_object.data']['uuid'] == server_id]
        listener.wait_for(lambda _: all(
            [event for _, event in reboot_events(s)] == ['instance.reboot.start',
                                                        'instance.reboot.end']
            for s in servers), timeout=30)
        for server_id in servers:
            server = cluster.server(server_id)     # no wait: the end is saved already
            assert (server['status'], server['OS-EXT-STS:task_state']) == ('ACTIVE', None)
            host = server['OS-EXT-SRV-ATTR:host']
            assert {publisher for publisher, _ in reboot_events(server_id)} == {
                f'cepheid-compute:{host}'}
    finally:
        listener.close()
    for server_id in servers:
        server = cluster.wait_idle(server_id)
        assert (server['status'], server['OS-EXT-STS:power_state']) == ('ACTIVE', 1)
        status, body = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                          token=http.ADMIN)
        assert status == 200
        reboot = next(a for a in body['instanceActions'] if a['action'] == 'reboot')
        status, body = cluster.client.get(
            f'/servers/{server_id}/os-instance-actions/{reboot["request_id"]}',
            token=http.ADMIN)
        assert status == 200
        assert [(e['event'], e['result']) for e in body['instanceAction']['events']] == [
            ('compute_reboot_instance', 'Success')]


def _compute_client(cluster, host):
    """The compute's own conductor client, on the cluster's bus, told the topics by a
    called heartbeat as a compute is."""
    conf = config.make_conf()
    conf([])
    conf.set_override('transport_url', cluster.transport_url)
    transport = rpc.get_rpc_transport(conf)
    client = conductor_rpcapi.ConductorAPI(transport, host=host, timeout=10)
    client.service_heartbeat(cep_context.get_admin_context(), binary='cepheid-compute',
                             topic='compute', wait=True)
    return client, transport


def test_steps_go_through_the_lean_consumer_and_errors_arrive_as_themselves(start):
    cluster = start()
    queues = rabbit_queues.queues(cluster.vhost.name)
    assert queues[TOPIC][0] == 4        # [api] steps_consumer_threads
    servers = [cluster.create_on(host, f'vm{i}-{host}') for i in range(2)
               for host in cluster.hosts]
    for host in cluster.hosts:
        processes.wait_until(
            lambda h=host: f'Conductor steps of {h} go to topic {TOPIC}' in
            cluster.computes[h].log_path.read_text(), 15, f'{host} told the steps topic')
    _reboot_all(cluster, servers)
    processes.wait_until(lambda: rabbit_queues.queues(cluster.vhost.name)[TOPIC][1]
                         == 0, 10, 'steps queue drained')
    # the cast steps left each compute through its lean publisher
    for host in cluster.hosts:
        pid = cluster.computes[host].proc.pid
        assert rabbit_queues.connections(cluster.vhost.name,
                                         f'{step_publisher.CONNECTION_NAME}:{pid}')
    # and the reboots' casts left the api's outbox through its lean publisher
    assert rabbit_queues.connections(cluster.vhost.name, api_service.CASTS_PUBLISHER)

    client, transport = _compute_client(cluster, 'hostA')
    try:
        assert client.steps_client.target.topic == TOPIC
        on_a = cluster.server(servers[0])
        assert on_a['OS-EXT-SRV-ATTR:host'] == 'hostA'
        ctx = cep_context.get_admin_context()
        with pytest.raises(exception.UnexpectedTaskStateError) as missed:
            client.begin(ctx, servers[0], event='compute_reboot_instance',
                         values={'task_state': 'reboot_pending'},
                         expected_task_state=['rebooting'])
        assert missed.value.kwargs['actual'] is None
        on_b = next(s for s in servers if cluster.server(s)['OS-EXT-SRV-ATTR:host'] == 'hostB')
        with pytest.raises(exception.HostMismatch):
            client.task_update(ctx, on_b, values={'task_state': None},
                               expected_task_state=[None])
        # a method the steps topic does not serve: oslo.messaging's own answer
        with pytest.raises(oslo_messaging.RemoteError) as refused:
            client.steps_client.call(ctx, 'instances_for_recovery', host='hostA')
        assert refused.value.exc_type == 'NoSuchMethod'
        _reads_answered_by_the_steps_consumer(client, transport, ctx, on_a['id'])
    finally:
        transport.cleanup()
    for server_id in (servers[0], on_b):
        assert cluster.wait_idle(server_id)['OS-EXT-STS:task_state'] is None


def _reads_answered_by_the_steps_consumer(client, transport, ctx, server_id):
    """With the conductor topic out of the compute's reach, its called heartbeat and
    instances_on_host are still answered: by the steps consumer, with the endpoint's
    answers."""
    assert client.reads_on_steps
    client.client = rpc.get_client(transport, 'cepheid-api-nobody', version='1.0',
                                   timeout=2)
    client.service_heartbeat(ctx, binary='cepheid-compute', topic='compute', wait=True)
    assert client.steps_client.target.topic == TOPIC and client.reads_on_steps
    assert server_id in {i['uuid'] for i in client.instances_on_host(ctx)}


def test_reboots_end_alike_with_the_finish_as_a_call(start):
    cluster = start(compute_options={'conductor_finish_cast': False})
    servers = [cluster.create_on(host, f'vm-{host}') for host in cluster.hosts]
    _reboot_all(cluster, servers)


def test_reboots_end_alike_with_the_casts_through_oslo_messaging(start):
    cluster = start(compute_options={'steps_publisher': 'rpc'},
                    api_options={'api.casts_publisher': 'rpc'})
    servers = [cluster.create_on(host, f'vm-{host}') for host in cluster.hosts]
    _reboot_all(cluster, servers)
    for name in (step_publisher.CONNECTION_NAME, api_service.CASTS_PUBLISHER):
        assert not rabbit_queues.connections(cluster.vhost.name, name)


def test_rpc_setting_keeps_the_steps_on_the_conductor_topic(start, monkeypatch):
    monkeypatch.setattr(conductor_topics, 'HEARTBEAT_CALL_TIMEOUT', 2)
    cluster = start(api_options={'api.steps_consumer': 'rpc'})
    servers = [cluster.create_on(host, f'vm-{host}') for host in cluster.hosts]
    _reboot_all(cluster, servers)
    assert TOPIC not in rabbit_queues.queues(cluster.vhost.name)
    client, transport = _compute_client(cluster, 'hostA')
    try:
        assert client.steps_client is client.client
        # a compute told the steps topic before the api switched to rpc: its called
        # heartbeat gets no answer there, is asked on the conductor topic, whose answer
        # brings the steps and the reads back
        client.steps_client = rpc.get_client(transport, TOPIC, version='1.0', timeout=2)
        client.reads_on_steps = True
        ctx = cep_context.get_admin_context()
        client.service_heartbeat(ctx, binary='cepheid-compute', topic='compute', wait=True)
        assert client.steps_client is client.client and not client.reads_on_steps
        assert servers[0] in {i['uuid'] for i in client.instances_on_host(ctx)}
    finally:
        transport.cleanup()
