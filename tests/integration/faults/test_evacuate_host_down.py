"""kill -9 of a compute, evacuate of its server, then the compute back: the server runs
on the destination only — the restarted source completes the evacuation at start-up
(Nova's _destroy_evacuated_instances) and never brings its copy back — with each host's
claim and running guests right, seen through the REST API of separate processes over
RabbitMQ and PostgreSQL."""

import pytest

from tests.fixtures import http
from tests.fixtures import processes

pytestmark = pytest.mark.integration

HOSTS = ['hostA', 'hostB', 'hostC']


def _hypervisors(cluster):
    # The claimed amounts and running_vms are shown before 2.88.
    client = http.Client(cluster.client.endpoint, microversion='2.87')
    status, body = client.get('/os-hypervisors/detail', token=http.ADMIN)
    assert status == 200, body
    return {h['hypervisor_hostname']: (h['memory_mb_used'], h['running_vms'])
            for h in body['hypervisors']}


def _migration(cluster, server_id):
    _, body = cluster.client.get(f'/os-migrations?instance_uuid={server_id}', token=http.ADMIN)
    return body['migrations'][0]


def _evacuate(cluster, server_id, body):
    return cluster.client.post(f'/servers/{server_id}/action', {'evacuate': body},
                               token=http.ADMIN)


def test_source_killed_evacuated_then_back_runs_the_guest_on_the_destination_only(
        make_cluster):
    cluster = make_cluster(hosts=HOSTS)
    moved = cluster.create_on('hostA', 'evacuated')
    named = cluster.create_on('hostA', 'evacuated-to-c')
    # While hostA's compute reports in, evacuate is refused.
    status, body = _evacuate(cluster, moved, {})
    assert (status, body['badRequest']['message']) == (
        400, 'Compute service of hostA is still in use.')
    cluster.computes['hostA'].kill()
    processes.wait_until(lambda: 'hostA' not in cluster.computes_up(), 30, 'hostA down')

    assert _evacuate(cluster, moved, {}) == (200, None)
    assert _evacuate(cluster, named, {'host': 'hostC'}) == (200, None)
    for server_id in (moved, named):
        processes.wait_until(lambda s=server_id: cluster.server(s)['OS-EXT-STS:task_state']
                             is None, 30, 'evacuated')
    dest = cluster.server(moved)['OS-EXT-SRV-ATTR:host']
    assert cluster.server(moved)['status'] == 'ACTIVE' and dest in ('hostB', 'hostC')
    assert (cluster.server(named)['status'],
            cluster.server(named)['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'hostC')
    assert {_migration(cluster, s)['status'] for s in (moved, named)} == {'done'}
    # hostA's claims stay until it comes back and cleans up.
    assert _hypervisors(cluster)['hostA'][0] == 1024

    cluster.computes['hostA'].start()
    cluster.wait_computes_up(['hostA'])
    processes.wait_until(
        lambda: {_migration(cluster, s)['status'] for s in (moved, named)} == {'completed'},
        30, 'the evacuations completed by the restarted source')
    on_c = 2 if dest == 'hostC' else 1
    expected = {'hostA': (0, 0), 'hostB': (512 * (2 - on_c), 2 - on_c),
                'hostC': (512 * on_c, on_c)}
    # running_vms comes with the computes' capacity reports.
    processes.wait_until(lambda: _hypervisors(cluster) == expected, 30,
                         f'claims and guests {expected}')
    for server_id in (moved, named):
        server = cluster.server(server_id)
        assert server['status'] == 'ACTIVE' and server['OS-EXT-SRV-ATTR:host'] != 'hostA'
    _, body = cluster.client.get(f'/servers/{moved}/os-instance-actions', token=http.ADMIN)
    assert [a['action'] for a in body['instanceActions']][0] == 'evacuate'
