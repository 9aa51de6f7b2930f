"""Reboots across two compute processes over the real RabbitMQ, on PostgreSQL and on MariaDB
(the module's cluster runs once per database backend)."""

import time

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import processes

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module', params=['postgresql', 'mariadb'])
def cluster(request, tmp_path_factory):
    """The conftest cluster, once per database backend."""
    database = processes.MariaDBDatabase() if request.param == 'mariadb' else None
    yield from cluster_fixture.running(
        tmp_path_factory.mktemp(f'cluster-{request.param}'), database=database)


def _server_state(client, server_id):
    _, body = client.get(f'/servers/{server_id}', token=http.ADMIN)
    return body['server']


def _create_on(client, host, name):
    status, body = client.post('/servers', {'server': {
        'name': name, 'flavorRef': '1', 'availability_zone': f'nova:{host}'}},
        token=http.ADMIN)
    assert status == 202, body
    server_id = body['server']['id']
    processes.wait_until(lambda: _server_state(client, server_id)['status'] == 'ACTIVE',
                         30, f'{name} ACTIVE')
    return server_id


def test_reboots_on_two_hosts_emit_start_then_end_on_the_bus(cluster, bus_listener):
    client = cluster['client']
    servers = {host: _create_on(client, host, f'vm-{host}') for host in cluster['hosts']}
    for host, server_id in servers.items():
        assert _server_state(client, server_id)['OS-EXT-SRV-ATTR:host'] == host
    started = time.monotonic()
    for reboot_type, server_id in zip(('SOFT', 'HARD'), servers.values(), strict=True):
        status, _ = client.post(f'/servers/{server_id}/action',
                                {'reboot': {'type': reboot_type}}, token=http.ADMIN)
        assert status == 202

    def reboot_events(server_id):
        return [e[2] for e in bus_listener.events
                if e[2].startswith('instance.reboot')
                and e[3]['nova_object.data']['uuid'] == server_id]
    bus_listener.wait_for(lambda _: all(
        reboot_events(s) == ['instance.reboot.start', 'instance.reboot.end']
        for s in servers.values()), timeout=30)
    for host, server_id in servers.items():
        server = processes.wait_until(
            lambda s=server_id: (lambda v: v if v['OS-EXT-STS:task_state'] is None else None)(
                _server_state(client, s)), 15, 'task_state cleared')
        assert server['status'] == 'ACTIVE'
        publishers = {e[1] for e in bus_listener.events
                      if e[2].startswith('instance.reboot')
                      and e[3]['nova_object.data']['uuid'] == server_id}
        assert publishers == {f'cepheid-compute:{host}'}
    print(f'two reboots over RabbitMQ done in {time.monotonic() - started:.3f}s')


def test_reboot_action_and_event_recorded_in_the_database(cluster):
    client = cluster['client']
    server_id = _create_on(client, 'hostB', 'vm-actions')
    status, _ = client.post(f'/servers/{server_id}/action', {'reboot': {'type': 'SOFT'}},
                            token=http.ADMIN)
    assert status == 202
    processes.wait_until(
        lambda: _server_state(client, server_id)['OS-EXT-STS:task_state'] is None
        and _server_state(client, server_id)['status'] == 'ACTIVE', 20, 'reboot done')
    status, body = client.get(f'/servers/{server_id}/os-instance-actions', token=http.ADMIN)
    assert status == 200
    actions = body['instanceActions']
    assert [a['action'] for a in actions] == ['reboot', 'create']
    status, body = client.get(
        f'/servers/{server_id}/os-instance-actions/{actions[0]["request_id"]}',
        token=http.ADMIN)
    events = body['instanceAction']['events']
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]
