"""Fault test: libvirtd restarted during soft reboots of real QEMU guests (tier 3).

A private libvirtd (private_daemon.py) is stopped and started again while an api process
and a compute process (over RabbitMQ and PostgreSQL) run soft reboots: one guest ignores
ACPI (its reboot is inside the soft wait when libvirtd goes), one honours it. Every reboot
must end ACTIVE/running with the guest really running again (libvirt says RUNNING and the
guest printed its ready marker anew), its event finished, no task left. Then a guest is
powered off while libvirtd is away: the API must say SHUTOFF soon after the reconnect,
not at the periodic sync 600 s later.
"""

import os
import re
import signal
import subprocess
import time

import libvirt
import pytest

from cepheid.compute.virt.libvirt import config as libvirt_config
from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import processes
from tests.integration.libvirt import conftest as libvirt_conftest
from tests.integration.libvirt import private_daemon
from tests.integration.libvirt.helpers import record_timing
from tests.integration.libvirt.helpers import wait_for_console

pytestmark = pytest.mark.integration

ROUNDS = 3
SOFT_WAIT = 6           # the ACPI-ignoring guest's soft wait: libvirtd restarts inside it
EVENT_DELAY = 1         # [DEFAULT] lifecycle_event_delay
RECONNECTED = re.compile(r'Reconnected to libvirt at \S+ after ([\d.]+) s \((\d+) attempts\)')
RUNNING, SHUTDOWN = 1, 4    # power_state as the API shows it


def _catalog(tmp_path, image):
    for name, cmdline in (('acpi-guest', 'console=ttyS0 quiet panic=-1'),
                          ('lazy-guest', 'console=ttyS0 quiet panic=-1 ignore_acpi')):
        entry = tmp_path / 'images' / name
        entry.mkdir(parents=True)
        (entry / 'kernel').symlink_to(image / 'vmlinuz')
        (entry / 'initrd').symlink_to(image / 'initrd.gz')
        (entry / 'cmdline').write_text(cmdline + '\n')
    return tmp_path / 'images'


@pytest.fixture
def private_libvirtd():
    reason = libvirt_conftest._missing_tools()
    if reason:
        pytest.skip(reason)
    if subprocess.run(['unshare', '-m', 'true'], capture_output=True).returncode:
        pytest.skip('a private libvirtd needs a mount namespace (unshare -m) here')
    libvirt_conftest._ensure_qemu_user()
    libvirt_conftest._write_qemu_conf()
    daemon = private_daemon.PrivateLibvirtd()
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.close()


@pytest.fixture
def restart_cluster(private_libvirtd, linux_guest_image, tmp_path):
    instances = tmp_path / 'instances'
    (tmp_path / 'cluster').mkdir()
    running = cluster_fixture.Cluster(tmp_path / 'cluster', hosts=['qemu1'], compute_options={
        'compute_driver': 'libvirt', 'libvirt.connection_uri': private_libvirtd.uri,
        'libvirt.instances_path': str(instances),
        'libvirt.images_path': str(_catalog(tmp_path, linux_guest_image)),
        'libvirt.wait_soft_reboot_seconds': SOFT_WAIT, 'libvirt.wait_running_seconds': 90,
        'libvirt.reconnect_timeout': 90, 'libvirt.reconnect_max_interval': 0.5,
        'lifecycle_event_delay': EVENT_DELAY})
    try:
        running.start()
        yield running, private_libvirtd, instances
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


def _create(cluster, name, image):
    status, body = cluster.client.post('/servers', {'server': {
        'name': name, 'flavorRef': '1', 'imageRef': image,
        'availability_zone': 'nova:qemu1'}}, token=http.ADMIN)
    assert status == 202, body
    return body['server']['id']


def _domain_state(daemon, server_id):
    conn = libvirt.open(daemon.uri)
    try:
        dom = conn.lookupByName(libvirt_config.domain_name({'uuid': server_id}))
        return dom.state()[0]
    finally:
        conn.close()


def _last_action_events(cluster, server_id):
    _, actions = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                    token=http.ADMIN)
    newest = actions['instanceActions'][0]
    _, detail = cluster.client.get(
        f'/servers/{server_id}/os-instance-actions/{newest["request_id"]}', token=http.ADMIN)
    return newest['action'], detail['instanceAction']['events']


def _reconnects(cluster):
    text = cluster.computes['qemu1'].log_tail(100000)
    return [float(m.group(1)) for m in RECONNECTED.finditer(text)]


def _restart(daemon):
    """Stop libvirtd (the guests keep running), start it again: seconds it was away."""
    start = time.monotonic()
    daemon.stop()
    daemon.start()
    return time.monotonic() - start


def _idle_times(cluster, servers, since):
    """Wait until every server is ACTIVE with no task; seconds from ``since`` for each."""
    pending, idle_after = dict(servers), {}

    def _all_idle():
        for name, server_id in list(pending.items()):
            server = cluster.server(server_id)
            if server['status'] == 'ACTIVE' and server['OS-EXT-STS:task_state'] is None:
                idle_after[name] = time.monotonic() - since
                del pending[name]
        return not pending
    processes.wait_until(_all_idle, SOFT_WAIT + 150, 'every server ACTIVE and idle')
    return idle_after


def _check_rebooted(cluster, daemon, console, server_id):
    server = cluster.server(server_id)
    assert (server['status'], server['OS-EXT-STS:task_state'],
            server['OS-EXT-STS:power_state']) == ('ACTIVE', None, RUNNING)
    assert _domain_state(daemon, server_id) == libvirt.VIR_DOMAIN_RUNNING
    wait_for_console(console, timeout=90)   # the log was emptied before the reboot
    action, events = _last_action_events(cluster, server_id)
    assert action == 'reboot'
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]
    assert all(e['finish_time'] for e in events)


def test_soft_reboots_survive_libvirtd_restarts_and_the_outage_is_resynced(restart_cluster):
    cluster, daemon, instances = restart_cluster
    servers = {'lazy': _create(cluster, 'lazy', 'lazy-guest'),
               'acpi': _create(cluster, 'acpi', 'acpi-guest')}
    consoles = {name: instances / sid / 'console.log' for name, sid in servers.items()}
    for name, server_id in servers.items():
        cluster.wait_idle(server_id, timeout=120)
        wait_for_console(consoles[name], timeout=90)
    accepted = completed = 0
    for round_no in range(1, ROUNDS + 1):
        for name, server_id in servers.items():
            consoles[name].write_text('')
            assert cluster.reboot(server_id, 'SOFT')[0] == 202
            accepted += 1
        processes.wait_until(
            lambda: cluster.server(servers['lazy'])['OS-EXT-STS:task_state']
            == 'reboot_started', 30, 'the lazy guest in its soft reboot')
        away = _restart(daemon)
        back = time.monotonic()
        for name, seconds in _idle_times(cluster, servers, back).items():
            record_timing(f'libvirtd_restart_{round_no}_{name}_active_after_restart', seconds)
        for name, server_id in servers.items():
            _check_rebooted(cluster, daemon, consoles[name], server_id)
            completed += 1
        reconnects = processes.wait_until(
            lambda n=round_no: len(_reconnects(cluster)) >= n and _reconnects(cluster), 30,
            'the compute reconnected')
        record_timing(f'libvirtd_restart_{round_no}_daemon_away', away)
        record_timing(f'libvirtd_restart_{round_no}_compute_reconnect', reconnects[-1])
    assert (accepted, completed) == (2 * ROUNDS, 2 * ROUNDS)
    print(f'[counts] reboots accepted {accepted}, ACTIVE/running with the guest up '
          f'{completed}, events finished {completed}, reconnects {len(_reconnects(cluster))}')

    # A guest powers off while libvirtd is away: its STOPPED event is never sent.
    acpi_id = servers['acpi']
    daemon.stop()
    qemu = daemon.qemu_pid(libvirt_config.domain_name({'uuid': acpi_id}))
    os.kill(qemu, signal.SIGTERM)
    processes.wait_until(lambda: not processes.alive(qemu), 30, 'QEMU gone')
    daemon.start()
    back = time.monotonic()
    processes.wait_until(lambda: cluster.server(acpi_id)['status'] == 'SHUTOFF', 60,
                         'the API says SHUTOFF after the reconnect')
    record_timing('libvirtd_outage_poweroff_to_api_shutoff_after_restart',
                  time.monotonic() - back)
    stopped = cluster.server(acpi_id)
    assert (stopped['OS-EXT-STS:task_state'], stopped['OS-EXT-STS:power_state']) == (
        None, SHUTDOWN)
    assert _domain_state(daemon, acpi_id) == libvirt.VIR_DOMAIN_SHUTOFF
    lazy = cluster.server(servers['lazy'])
    assert (lazy['status'], lazy['OS-EXT-STS:power_state']) == ('ACTIVE', RUNNING)
    assert len(_reconnects(cluster)) >= ROUNDS + 1
