"""Tier 3 end to end: POST reboot SOFT → api process → RabbitMQ → a compute process on
qemu:///system → a real Linux guest shuts down on ACPI and boots again → ACTIVE."""

import re
import time

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import processes
from tests.integration.libvirt import conftest as libvirt_conftest
from tests.integration.libvirt.helpers import record_timing
from tests.integration.libvirt.helpers import wait_for_console

pytestmark = pytest.mark.integration

SOFT_WAIT = 30
DONE_LINE = re.compile(r'SOFT reboot of (\S+) done via (\S+) in ([\d.]+) s '
                       r'\(shutdown ([\d.-]+) s, create ([\d.-]+) s')


def _catalog(tmp_path, image):
    entry = tmp_path / 'images' / 'acpi-guest'
    entry.mkdir(parents=True)
    (entry / 'kernel').symlink_to(image / 'vmlinuz')
    (entry / 'initrd').symlink_to(image / 'initrd.gz')
    (entry / 'cmdline').write_text('console=ttyS0 quiet panic=-1\n')
    return entry.parent


@pytest.fixture
def qemu_cluster(libvirtd, linux_guest_image, tmp_path):
    instances = tmp_path / 'instances'
    (tmp_path / 'cluster').mkdir()
    running = cluster_fixture.Cluster(tmp_path / 'cluster', hosts=['qemu1'], compute_options={
        'compute_driver': 'libvirt', 'libvirt.connection_uri': libvirt_conftest.URI,
        'libvirt.instances_path': str(instances),
        'libvirt.images_path': str(_catalog(tmp_path, linux_guest_image)),
        'libvirt.wait_soft_reboot_seconds': SOFT_WAIT, 'libvirt.wait_running_seconds': 60})
    try:
        running.start()
        yield running, instances
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()
        libvirt_conftest._destroy_leftovers(tmp_path)


def test_soft_reboot_through_the_api_completes_by_a_real_guest_shutdown(qemu_cluster):
    cluster, instances = qemu_cluster
    status, body = cluster.client.post('/servers', {'server': {
        'name': 'linux', 'flavorRef': '1', 'imageRef': 'acpi-guest',
        'availability_zone': 'nova:qemu1'}}, token=http.ADMIN)
    assert status == 202, body
    server_id = body['server']['id']
    cluster.wait_idle(server_id, timeout=90)
    wait_for_console(instances / server_id / 'console.log')
    accepted = time.monotonic()
    assert cluster.reboot(server_id, 'SOFT')[0] == 202
    cluster.wait_idle(server_id, timeout=SOFT_WAIT + 30)
    latency = time.monotonic() - accepted
    _, actions = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                    token=http.ADMIN)
    request_id = actions['instanceActions'][0]['request_id']
    _, detail = cluster.client.get(
        f'/servers/{server_id}/os-instance-actions/{request_id}', token=http.ADMIN)
    assert [(e['event'], e['result']) for e in detail['instanceAction']['events']] == [
        ('compute_reboot_instance', 'Success')]
    done = processes.wait_until(
        lambda: DONE_LINE.search(cluster.computes['qemu1'].log_tail(400)), 10,
        'the driver logs the reboot')
    assert done.group(1) == server_id
    assert done.group(2) == 'soft', 'the guest shut down by itself: no fallback to hard'
    record_timing('api_soft_reboot_accept_to_active', latency)
    record_timing('api_soft_reboot_guest_shutdown', float(done.group(4)))
    record_timing('api_soft_reboot_guest_create', float(done.group(5)))
    assert latency < SOFT_WAIT
    assert cluster.client.request('DELETE', f'/servers/{server_id}',
                                  token=http.ADMIN)[0] == 204
    processes.wait_until(lambda: cluster.client.get(
        f'/servers/{server_id}', token=http.ADMIN)[0] == 404, 30, 'server deleted')
