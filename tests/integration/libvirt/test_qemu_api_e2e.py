"""Tier 3 end to end: POST reboot SOFT → api process → RabbitMQ → a compute process on
qemu:///system → a real Linux guest shuts down on ACPI and boots again → ACTIVE.

The second test times several soft reboots of one guest and prints where the time goes
(reboot_timing.py); ``CEPHEID_QEMU_SOFT_REBOOTS`` (default 5) sets how many."""

import os
import re
import time

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import processes
from tests.integration.libvirt import conftest as libvirt_conftest
from tests.integration.libvirt import reboot_timing
from tests.integration.libvirt.helpers import record_timing
from tests.integration.libvirt.helpers import wait_for_console

pytestmark = pytest.mark.integration

SOFT_WAIT = 30
SOFT_REBOOTS = int(os.environ.get('CEPHEID_QEMU_SOFT_REBOOTS', '5'))
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
    server_id = _boot(cluster, instances)
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


def _boot(cluster, instances):
    status, body = cluster.client.post('/servers', {'server': {
        'name': 'linux', 'flavorRef': '1', 'imageRef': 'acpi-guest',
        'availability_zone': 'nova:qemu1'}}, token=http.ADMIN)
    assert status == 202, body
    server_id = body['server']['id']
    cluster.wait_idle(server_id, timeout=90)
    wait_for_console(instances / server_id / 'console.log')
    return server_id


def _reboot_ends(listener, server_id):
    """``[(emitted epoch, event), ...]`` of the server's reboot notifications, in order."""
    offset = time.time() - time.monotonic()
    return [(emitted + offset, event) for emitted, event in listener.with_emitted()
            if event[2].startswith('instance.reboot.')
            and event[3]['nova_object.data']['uuid'] == server_id]


def _soft_reboot_sample(cluster, listener, server_id, console, number):
    console.write_text('')     # the guest prints its ready marker again once booted
    status, body = cluster.reboot(server_id, 'SOFT')
    accepted = time.time()
    assert status == 202, body
    listener.wait_for(lambda _e: len(_reboot_ends(listener, server_id)) >= 2 * number,
                      timeout=SOFT_WAIT + 30)
    notes = _reboot_ends(listener, server_id)
    assert [e[2] for _, e in notes[-2:]] == ['instance.reboot.start', 'instance.reboot.end']
    cluster.wait_idle(server_id, timeout=30)
    _, actions = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                    token=http.ADMIN)
    request_id = actions['instanceActions'][0]['request_id']
    _, detail = cluster.client.get(
        f'/servers/{server_id}/os-instance-actions/{request_id}', token=http.ADMIN)
    events = detail['instanceAction']['events']
    assert [(e['event'], e['result']) for e in events] == [('compute_reboot_instance', 'Success')]
    done = processes.wait_until(lambda: reboot_timing.done_lines(
        cluster.computes['qemu1'].log_path.read_text(errors='replace'), server_id), 10,
        'the driver logs the reboot')
    assert len(done) == number
    done_at, match = done[-1]
    assert match.group('path') == 'soft', 'the guest shut down by itself: no fallback'
    wait_for_console(console, timeout=90)    # booted again: ready for the next press
    return reboot_timing.Sample.build(accepted=accepted, event=events[0], done_at=done_at,
                                      done=match, start_emitted=notes[-2][0],
                                      end_emitted=notes[-1][0])


def test_soft_reboots_of_one_guest_timed_from_accept_to_active(qemu_cluster):
    cluster, instances = qemu_cluster
    server_id = _boot(cluster, instances)
    console = instances / server_id / 'console.log'
    listener = cluster.listener()
    try:
        samples = [_soft_reboot_sample(cluster, listener, server_id, console, number)
                   for number in range(1, SOFT_REBOOTS + 1)]
    finally:
        listener.close()
    print(f'load average {os.getloadavg()}')
    print('\n'.join(reboot_timing.report(samples)))
    figures = reboot_timing.medians(samples)
    record_timing('qemu_soft_reboot_accept_to_active_p50', figures['accept_to_active'])
    record_timing('qemu_soft_reboot_guest_own_p50', figures['guest_own'])
    record_timing('qemu_soft_reboot_overhead_p50', figures['overhead'])
    print(f'[timing] qemu_soft_reboot_ratio_p50 = {figures["ratio"]:.3f}')
    assert cluster.server(server_id)['status'] == 'ACTIVE'
