"""kill -9 of a compute mid-resize: after its restart the interrupted step runs again and
the move ends consistent — finished on the destination, or ERROR with a fault where the
server was when the restarted source has no guest left — the claims right, never a guest
running on two hosts."""

import pytest

from tests.fixtures import http
from tests.fixtures import processes

pytestmark = pytest.mark.integration


def _memory_used(cluster):
    # The claimed amounts are shown before 2.88.
    client = http.Client(cluster.client.endpoint, microversion='2.87')
    status, body = client.get('/os-hypervisors/detail', token=http.ADMIN)
    assert status == 200, body
    return {h['hypervisor_hostname']: h['memory_mb_used'] for h in body['hypervisors']}


def _migration(cluster, server_id):
    _, body = cluster.client.get(f'/os-migrations?instance_uuid={server_id}', token=http.ADMIN)
    return body['migrations'][0]


def _idle(cluster, server_id):
    server = cluster.server(server_id)
    return server if server['OS-EXT-STS:task_state'] is None else None


def test_source_killed_while_powering_off_ends_consistent(make_cluster):
    # The source's guest takes 1.5 s to power off: the kill lands in resize_instance.
    cluster = make_cluster(hosts=['hostA', 'hostB'],
                           compute_options={'fake_driver.reboot_delay': 1.5})
    server_id = cluster.create_on('hostA', 'moving')
    status, body = cluster.client.post(f'/servers/{server_id}/action',
                                       {'resize': {'flavorRef': '2'}}, token=http.ADMIN)
    assert status == 202, body
    processes.wait_until(
        lambda: cluster.server(server_id)['OS-EXT-STS:task_state'] == 'resize_migrating',
        15, 'resize_instance started on the source')
    source = cluster.computes['hostA']
    source.kill()
    source.start()
    server = processes.wait_until(lambda: _idle(cluster, server_id), 40, 'move ended')
    migration = _migration(cluster, server_id)
    if server['status'] == 'ERROR':
        # The restarted source found no guest to power off: the move errored out where
        # the server was, with a fault, and the destination's claim was given back.
        assert server['OS-EXT-SRV-ATTR:host'] == 'hostA' and server['fault']['message']
        assert migration['status'] == 'error'
        assert _memory_used(cluster) == {'hostA': 512, 'hostB': 0}
        return
    # Recovery ran resize_instance again: the move went on to the destination.
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('VERIFY_RESIZE', 'hostB')
    assert server['flavor']['original_name'] == 'm1.small'
    assert migration['status'] == 'finished'
    assert _memory_used(cluster) == {'hostA': 512, 'hostB': 2048}
    assert cluster.client.post(f'/servers/{server_id}/action', {'confirmResize': None},
                               token=http.ADMIN)[0] == 204
    processes.wait_until(lambda: _memory_used(cluster) == {'hostA': 0, 'hostB': 2048}, 20,
                         'the source claim given back')
    assert cluster.server(server_id)['status'] == 'ACTIVE'


def test_destination_killed_in_verify_resize_then_revert_runs_on_the_source(make_cluster):
    cluster = make_cluster(hosts=['hostA', 'hostB'])
    server_id = cluster.create_on('hostA', 'reverted')
    assert cluster.client.post(f'/servers/{server_id}/action', {'migrate': None},
                               token=http.ADMIN)[0] == 202
    processes.wait_until(lambda: cluster.server(server_id)['status'] == 'VERIFY_RESIZE', 20,
                         'VERIFY_RESIZE')
    dest = cluster.computes['hostB']
    dest.kill()
    dest.start()
    cluster.wait_computes_up(['hostB'])
    assert cluster.client.post(f'/servers/{server_id}/action', {'revertResize': None},
                               token=http.ADMIN)[0] == 202
    server = processes.wait_until(lambda: _idle(cluster, server_id), 30, 'revert ended')
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'hostA')
    assert server['OS-EXT-STS:power_state'] == 1
    assert _migration(cluster, server_id)['status'] == 'reverted'
    assert _memory_used(cluster) == {'hostA': 512, 'hostB': 0}
