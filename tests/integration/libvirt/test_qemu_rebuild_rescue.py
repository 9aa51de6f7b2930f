"""Tier 3 end to end: rebuild, rescue, unrescue, trigger_crash_dump, os-getConsoleOutput and
changePassword through the API (api process → RabbitMQ → a compute process on
qemu:///system) on a real Linux guest. The guest's /init prints the image it booted (the
catalog's cmdline names it) and its virtio disks, and the test reads them back through
os-getConsoleOutput: the proof that the new kernel/initrd booted, and that the rescue image
runs with the original disk as vdb."""

import time

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import driver_contract
from tests.fixtures import http
from tests.fixtures import processes
from tests.integration.libvirt import conftest as libvirt_conftest
from tests.integration.libvirt.helpers import record_timing

pytestmark = pytest.mark.integration

IMAGE_A, IMAGE_B = driver_contract.IMAGE_A, driver_contract.IMAGE_B
HOST = 'qemu1'


@pytest.fixture
def qemu_cluster(libvirtd, linux_guest_image, tmp_path):
    catalog = driver_contract.make_image_catalog(
        tmp_path / 'images', kernel=linux_guest_image / 'vmlinuz',
        initrd=linux_guest_image / 'initrd.gz', cmdline_extra='quiet panic=-1')
    (tmp_path / 'cluster').mkdir()
    running = cluster_fixture.Cluster(tmp_path / 'cluster', hosts=[HOST], compute_options={
        'compute_driver': 'libvirt', 'libvirt.connection_uri': libvirt_conftest.URI,
        'libvirt.instances_path': str(tmp_path / 'instances'),
        'libvirt.images_path': str(catalog), 'libvirt.wait_soft_reboot_seconds': 5,
        'libvirt.wait_running_seconds': 60})
    try:
        running.start()
        yield running
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()
        libvirt_conftest._destroy_leftovers(tmp_path)


def _post(cluster, server_id, body, version='2.90'):
    return cluster.client.post(f'/servers/{server_id}/action', body, token=http.ADMIN,
                               headers={'OpenStack-API-Version': f'compute {version}'})


def _console(cluster, server_id, length=None):
    body = {'os-getConsoleOutput': {} if length is None else {'length': length}}
    status, answer = _post(cluster, server_id, body)
    assert status == 200, answer
    return answer['output']


def _booted(cluster, server_id, image, disks, timeout=90):
    """Wait until the guest's /init, read through the API, says it booted ``image`` with
    ``disks`` and is ready; return the console text."""
    wanted = (f'CEPHEID-GUEST-IMAGE {image}\n', f'CEPHEID-GUEST-DISKS {disks}\n',
              'CEPHEID-GUEST-READY')
    seen = ['']

    def booted():
        seen[0] = _console(cluster, server_id)
        return all(w in seen[0] for w in wanted)
    try:
        processes.wait_until(booted, timeout, f'{image} booted with {disks}')
    except TimeoutError:
        pytest.fail(f'{wanted} not in the console output:\n{seen[0][-3000:]}')
    return seen[0]


def _settled(cluster, server_id, status, timeout=120):
    def done():
        server = cluster.server(server_id)
        return server if (server['status'] == status
                          and server['OS-EXT-STS:task_state'] is None) else None
    return processes.wait_until(done, timeout, f'{server_id} {status} and idle')


def _timed(cluster, server_id, body, status, expected_code=202):
    start = time.monotonic()
    code, answer = _post(cluster, server_id, body)
    assert code == expected_code, answer
    server = _settled(cluster, server_id, status)
    return time.monotonic() - start, answer, server


def _events(cluster, server_id):
    _, listed = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                   token=http.ADMIN)
    newest = listed['instanceActions'][0]
    _, shown = cluster.client.get(
        f"/servers/{server_id}/os-instance-actions/{newest['request_id']}", token=http.ADMIN)
    return newest['action'], [(e['event'], e['result'])
                              for e in shown['instanceAction']['events']]


def test_rebuild_rescue_unrescue_crash_dump_and_console_on_a_real_guest(qemu_cluster):
    cluster = qemu_cluster
    status, body = cluster.client.post('/servers', {'server': {
        'name': 'linux', 'flavorRef': '1', 'imageRef': IMAGE_A,
        'availability_zone': f'nova:{HOST}'}}, token=http.ADMIN)
    assert status == 202, body
    server_id = body['server']['id']
    cluster.wait_idle(server_id, timeout=90)
    _booted(cluster, server_id, IMAGE_A, 'vda ')

    took, answer, _ = _timed(cluster, server_id, {'rebuild': {'imageRef': IMAGE_B}}, 'ACTIVE')
    assert answer['server']['image']['id'] == IMAGE_B
    record_timing('api_rebuild_accept_to_active', took)
    start = time.monotonic()
    _booted(cluster, server_id, IMAGE_B, 'vda ')
    record_timing('api_rebuild_active_to_guest_ready', time.monotonic() - start)
    assert _events(cluster, server_id) == ('rebuild', [('compute_rebuild_instance', 'Success')])

    took, answer, _ = _timed(cluster, server_id,
                             {'rescue': {'rescue_image_ref': IMAGE_A}}, 'RESCUE', 200)
    assert set(answer) == {'adminPass'}
    record_timing('api_rescue_accept_to_rescue', took)
    # The rescue image runs from disk.rescue (vda) and sees the original disk as vdb.
    _booted(cluster, server_id, IMAGE_A, 'vda vdb ')

    took, _, _ = _timed(cluster, server_id, {'unrescue': None}, 'ACTIVE')
    record_timing('api_unrescue_accept_to_active', took)
    _booted(cluster, server_id, IMAGE_B, 'vda ')

    start = time.monotonic()
    assert _post(cluster, server_id, {'trigger_crash_dump': None}) == (202, None)
    processes.wait_until(lambda: _events(cluster, server_id)[1] == [
        ('compute_trigger_crash_dump', 'Success')], 60, 'the NMI was injected')
    record_timing('api_trigger_crash_dump_accept_to_event', time.monotonic() - start)
    # Linux reports the unknown NMI on the console and carries on.
    processes.wait_until(lambda: 'NMI' in _console(cluster, server_id), 30,
                         'the guest kernel reports the NMI')
    assert cluster.server(server_id)['status'] == 'ACTIVE'

    start = time.monotonic()
    last = _console(cluster, server_id, length=1)
    record_timing('api_console_output', time.monotonic() - start)
    assert '\n' not in last.rstrip('\n')

    assert _post(cluster, server_id, {'changePassword': {'adminPass': 'x'}}) == (
        409, {'conflictingRequest': {'code': 409,
                                     'message': 'QEMU guest agent is not enabled'}})
