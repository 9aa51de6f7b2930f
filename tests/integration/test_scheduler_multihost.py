"""The scheduler over RabbitMQ + PostgreSQL: three compute processes report their capacity
with their heartbeats; parallel creates never overcommit a host; a drained host gets nothing."""

import concurrent.futures

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import processes

pytestmark = pytest.mark.integration

HOSTS = ('hostA', 'hostB', 'hostC')
# Two m1.tiny (512 MiB) fit a host, by RAM.
CAPACITY = {'fake_driver.vcpus': 1, 'fake_driver.memory_mb': 1024, 'fake_driver.local_gb': 10}


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    running = cluster_fixture.Cluster(tmp_path_factory.mktemp('sched'), hosts=HOSTS,
                                      compute_options=CAPACITY)
    try:
        running.start()
        yield running
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


def _get(client, path, version='2.87'):
    client.microversion = version
    try:
        return client.get(path, token=http.ADMIN)
    finally:
        client.microversion = '2.90'


def _hypervisors(client):
    status, body = _get(client, '/os-hypervisors/detail')
    assert status == 200, body
    return {h['hypervisor_hostname']: h for h in body['hypervisors']}


def _create(client, name):
    status, body = client.post('/servers', {'server': {'name': name, 'flavorRef': '1'}})
    assert status == 202, body
    return body['server']['id']


def _settled(client, server_id):
    def done():
        _, body = client.get(f'/servers/{server_id}', token=http.ADMIN)
        server = body['server']
        settled = server['status'] == 'ERROR' or (
            server['status'] == 'ACTIVE' and server['OS-EXT-STS:task_state'] is None)
        return server if settled else None
    return processes.wait_until(done, 60, f'{server_id} settled')


def test_computes_report_capacity_and_placements_never_overcommit(cluster):
    client = cluster.client
    hypervisors = processes.wait_until(
        lambda: (lambda h: h if len(h) == 3 else None)(_hypervisors(client)), 30,
        'three hypervisors reported')
    assert {(h['vcpus'], h['memory_mb'], h['local_gb'], h['state'], h['hypervisor_type'])
            for h in hypervisors.values()} == {(1, 1024, 10, 'up', 'fake')}

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda i: _create(client, f'vm-{i}'), range(12)))
    servers = [_settled(client, i) for i in ids]
    placed = [s for s in servers if s['status'] == 'ACTIVE']
    assert len(placed) == 6
    assert {s['fault']['message'] for s in servers if s['status'] == 'ERROR'} == {
        'No valid host was found. There are not enough hosts available.'}
    hypervisors = _hypervisors(client)
    for host in HOSTS:
        assert hypervisors[host]['memory_mb_used'] == 1024
        assert sum(1 for s in placed if s['OS-EXT-SRV-ATTR:host'] == host) == 2
    # The running_vms each compute reports catches up with its two guests.
    processes.wait_until(lambda: all(h['running_vms'] == 2
                                     for h in _hypervisors(client).values()), 30,
                         'running_vms reported')

    # Drain hostA (2.53 PUT), free a slot on every host: new servers avoid hostA.
    _, body = _get(client, '/os-services?host=hostA&binary=cepheid-compute', '2.53')
    service_id = body['services'][0]['id']
    client.microversion = '2.53'
    try:
        status, body = client.request('PUT', f'/os-services/{service_id}',
                                      {'status': 'disabled', 'disabled_reason': 'drain'},
                                      token=http.ADMIN)
    finally:
        client.microversion = '2.90'
    assert status == 200 and body['service']['status'] == 'disabled', body
    for host in HOSTS:
        victim = next(s for s in placed if s['OS-EXT-SRV-ATTR:host'] == host)
        assert client.request('DELETE', f"/servers/{victim['id']}", token=http.ADMIN)[0] == 204
    processes.wait_until(lambda: all(h['memory_mb_used'] == 512
                                     for h in _hypervisors(client).values()), 30,
                         'claims freed')
    again = [_settled(client, _create(client, f'again-{i}')) for i in range(3)]
    assert sorted(s['status'] for s in again) == ['ACTIVE', 'ACTIVE', 'ERROR']
    assert 'hostA' not in {s['OS-EXT-SRV-ATTR:host'] for s in again}
