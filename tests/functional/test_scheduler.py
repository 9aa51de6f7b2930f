"""The scheduler: capacity reports, atomic claims under concurrency, drained hosts, NoValidHost."""

import concurrent.futures
import time

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest

HOSTS = ('compute1', 'compute2', 'compute3')
NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.'


@pytest.fixture
def small_stack():
    """Three computes of 1 vCPU (4 with the 4.0 ratio), 1024 MiB and 10 GiB each: two
    m1.tiny (1 vCPU, 512 MiB, 1 GiB) fit a host, by RAM."""
    # Thirty servers of one project: no instances/cores/ram quota (test_server_groups and
    # test_quota_sets test the quotas).
    conf = allinone.make_conf(compute_driver='fake', **{
        'quota.instances': -1, 'quota.cores': -1, 'quota.ram': -1})
    for name, value in (('vcpus', 1), ('memory_mb', 1024), ('local_gb', 10)):
        conf.set_override(name, value, group='fake_driver')
    running = allinone.AllInOne(conf, hosts=HOSTS).start()
    yield running
    running.stop()


@pytest.fixture
def client(small_stack):
    return http.Client(small_stack.endpoint)


def _nodes(db):
    with db.transaction() as session:
        rows = session.scalars(sa.select(models.ComputeNode).order_by(models.ComputeNode.host))
        return {r.host: (r.vcpus, r.memory_mb, r.local_gb, r.vcpus_used, r.memory_mb_used,
                         r.local_gb_used) for r in rows}


def _create(client, name):
    status, body = client.post('/servers', {'server': {'name': name, 'flavorRef': '1'}})
    assert status == 202, body
    return body['server']['id']


def _settled(client, server_id):
    return conftest.wait_for_server(
        client, server_id, lambda s: s['status'] == 'ERROR' or conftest.idle(s),
        token=http.ADMIN)


def _wait_gone(client, server_id, timeout=20):
    deadline = time.monotonic() + timeout
    while client.get(f'/servers/{server_id}')[0] != 404:
        assert time.monotonic() < deadline, f'{server_id} not deleted'
        time.sleep(0.01)


def test_computes_report_their_capacity(small_stack):
    assert _nodes(small_stack.db) == {h: (1, 1024, 10, 0, 0, 0) for h in HOSTS}
    with small_stack.db.transaction() as session:
        node = session.scalars(sa.select(models.ComputeNode)).first()
        assert (node.hypervisor_type, node.cpu_allocation_ratio, node.ram_allocation_ratio,
                node.disk_allocation_ratio) == ('fake', 4.0, 1.0, 1.0)


def test_parallel_creates_never_overcommit_a_host(small_stack, client):
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda i: _create(client, f'vm-{i}'), range(30)))
    servers = [_settled(client, i) for i in ids]
    placed = [s for s in servers if s['status'] == 'ACTIVE']
    failed = [s for s in servers if s['status'] == 'ERROR']
    # Six fit (two per host by RAM); every other one is ERROR with Nova's fault.
    assert len(placed) == 6 and len(failed) == 24
    per_host = {h: sum(1 for s in placed if s['OS-EXT-SRV-ATTR:host'] == h) for h in HOSTS}
    assert per_host == {h: 2 for h in HOSTS}
    assert {s['fault']['message'] for s in failed} == {NO_VALID_HOST}
    assert {s['fault']['code'] for s in failed} == {500}
    assert all(s['OS-EXT-SRV-ATTR:host'] is None for s in failed)
    assert _nodes(small_stack.db) == {h: (1, 1024, 10, 2, 1024, 2) for h in HOSTS}

    # Deleting a placed server frees its claim: the next create lands on that host.
    victim = placed[0]
    assert client.request('DELETE', f'/servers/{victim["id"]}')[0] == 204
    _wait_gone(client, victim['id'])
    assert _nodes(small_stack.db)[victim['OS-EXT-SRV-ATTR:host']][3:] == (1, 512, 1)
    again = _settled(client, _create(client, 'again'))
    assert again['status'] == 'ACTIVE'
    assert again['OS-EXT-SRV-ATTR:host'] == victim['OS-EXT-SRV-ATTR:host']


def test_a_disabled_host_gets_no_new_servers(small_stack, client):
    with small_stack.db.transaction() as session:
        session.execute(sa.update(models.Service).where(models.Service.host == 'compute1')
                        .values(disabled=True, disabled_reason='drain'))
    servers = [_settled(client, _create(client, f'vm-{i}')) for i in range(5)]
    assert [s['status'] for s in servers] == ['ACTIVE'] * 4 + ['ERROR']
    assert 'compute1' not in {s['OS-EXT-SRV-ATTR:host'] for s in servers}
    assert _nodes(small_stack.db)['compute1'][3:] == (0, 0, 0)


def test_the_most_free_ram_wins(small_stack, client):
    first = _settled(client, _create(client, 'a'))
    second = _settled(client, _create(client, 'b'))
    third = _settled(client, _create(client, 'c'))
    # Each placement leaves its host with less free RAM, so the next goes elsewhere.
    assert len({s['OS-EXT-SRV-ATTR:host'] for s in (first, second, third)}) == 3


def _group_servers(client, policy, count):
    status, body = client.post('/os-server-groups', {'server_group': {
        'name': policy, 'policy': policy}})
    assert status == 200, body
    group_id = body['server_group']['id']
    servers = []
    for i in range(count):
        status, created = client.post('/servers', {
            'server': {'name': f'{policy}-{i}', 'flavorRef': '1'},
            'os:scheduler_hints': {'group': group_id}})
        assert status == 202, created
        servers.append(_settled(client, created['server']['id']))
    return servers


def test_an_affinity_group_shares_one_host_until_it_is_full(small_stack, client):
    servers = _group_servers(client, 'affinity', 3)
    assert [s['status'] for s in servers] == ['ACTIVE', 'ACTIVE', 'ERROR']
    assert servers[0]['OS-EXT-SRV-ATTR:host'] == servers[1]['OS-EXT-SRV-ATTR:host']
    assert servers[2]['fault']['message'] == NO_VALID_HOST


def test_an_anti_affinity_group_has_one_member_per_host(small_stack, client):
    servers = _group_servers(client, 'anti-affinity', 4)
    assert [s['status'] for s in servers] == ['ACTIVE'] * 3 + ['ERROR']
    assert {s['OS-EXT-SRV-ATTR:host'] for s in servers[:3]} == set(HOSTS)
