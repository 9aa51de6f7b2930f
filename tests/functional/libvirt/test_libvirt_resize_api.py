"""Resize through the API on the libvirt driver (test:///, one compute, resize to the same
host allowed): VERIFY_RESIZE with the new flavor's domain, confirm keeps it, revert brings
the old one back, and a smaller root disk is refused with the server left running."""

import os
import xml.etree.ElementTree as ET

import pytest

from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional import conftest

ADMIN = http.ADMIN
# Nova's m1.tiny (1 vCPU, 512 MiB, 1 GiB) and m1.small (1 vCPU, 2048 MiB, 20 GiB);
# m1.medium has 2 vCPUs and 40 GiB.
TINY, SMALL, MEDIUM = '1', '2', '3'


@pytest.fixture
def stack(tmp_path):
    running = power_stack.start('libvirt', tmp_path, allow_resize_to_same_host=True)
    yield running
    running.stop()


@pytest.fixture
def client(stack):
    return http.Client(stack.endpoint)


def _domain(stack, server_id):
    """(vCPUs, RAM MiB) of the libvirt domain, or None when there is none."""
    driver = power_stack.compute(stack).driver
    if server_id not in driver.list_instance_uuids():
        return None
    xml = driver.host.call(lambda conn: conn.lookupByUUIDString(server_id).XMLDesc(0))
    root = ET.fromstring(xml)
    return int(root.findtext('vcpu')), int(root.findtext('memory')) // 1024


def _create(client, flavor):
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': flavor}},
                               token=ADMIN)
    assert status == 202, body
    return conftest.wait_for_server(client, body['server']['id'], conftest.idle, token=ADMIN)


def _act(client, server_id, body, status, code=202):
    answer = client.post(f'/servers/{server_id}/action', body, token=ADMIN)
    assert answer[0] == code, answer
    return conftest.wait_for_server(
        client, server_id,
        lambda s: s['status'] in (status, 'ERROR') and s['OS-EXT-STS:task_state'] is None,
        token=ADMIN)


def _instance_dirs(stack, server_id):
    path = power_stack.compute(stack).driver.conf.libvirt.instances_path
    return sorted(name for name in os.listdir(path) if name.startswith(server_id))


def test_resize_confirm_runs_the_new_flavor_on_the_same_host(stack, client):
    server = _create(client, TINY)
    assert _domain(stack, server['id']) == (1, 512)
    resized = _act(client, server['id'], {'resize': {'flavorRef': MEDIUM}}, 'VERIFY_RESIZE')
    assert resized['status'] == 'VERIFY_RESIZE'
    assert resized['OS-EXT-STS:power_state'] == 1
    assert _domain(stack, server['id']) == (2, 4096)
    assert _instance_dirs(stack, server['id']) == [server['id'], server['id'] + '_resize']
    confirmed = _act(client, server['id'], {'confirmResize': None}, 'ACTIVE', code=204)
    assert confirmed['flavor']['original_name'] == 'm1.medium'
    assert _domain(stack, server['id']) == (2, 4096)
    assert _instance_dirs(stack, server['id']) == [server['id']]


def test_revert_brings_the_old_flavor_back(stack, client):
    server = _create(client, TINY)
    _act(client, server['id'], {'resize': {'flavorRef': SMALL}}, 'VERIFY_RESIZE')
    assert _domain(stack, server['id']) == (1, 2048)
    reverted = _act(client, server['id'], {'revertResize': None}, 'ACTIVE')
    assert reverted['status'] == 'ACTIVE'
    assert reverted['flavor']['original_name'] == 'm1.tiny'
    assert _domain(stack, server['id']) == (1, 512)
    assert _instance_dirs(stack, server['id']) == [server['id']]


def test_a_smaller_root_disk_is_refused_and_the_server_stays_active(stack, client):
    server = _create(client, SMALL)
    after = _act(client, server['id'], {'resize': {'flavorRef': TINY}}, 'ACTIVE')
    assert (after['status'], after['OS-EXT-STS:power_state']) == ('ACTIVE', 1)
    assert after['flavor']['original_name'] == 'm1.small'
    assert _domain(stack, server['id']) == (1, 2048)
    status, body = client.get(f"/os-migrations?instance_uuid={server['id']}", token=ADMIN)
    assert [m['status'] for m in body['migrations']] == ['error']
    status, body = client.get(f"/servers/{server['id']}/os-instance-actions", token=ADMIN)
    request_id = body['instanceActions'][0]['request_id']
    _, shown = client.get(f"/servers/{server['id']}/os-instance-actions/{request_id}",
                          token=ADMIN)
    events = {e['event']: e for e in shown['instanceAction']['events']}
    assert events['compute_resize_instance']['result'] == 'Error'
    assert 'Unable to resize disk down' in events['compute_resize_instance']['traceback']
