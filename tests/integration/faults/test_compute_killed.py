"""Fault 1: kill -9 a compute while reboots are started; after a restart all end ACTIVE."""

import time

import pytest

from tests.fixtures import processes

pytestmark = pytest.mark.integration

ROUNDS = 10
SERVERS = 4
STARTED = ('reboot_started', 'reboot_started_hard')


def test_kill_9_mid_reboot_then_restart_ends_every_instance_active(make_cluster):
    cluster = make_cluster(hosts=['hostA'],
                           compute_options={'fake_driver.reboot_delay': 1.5})
    compute = cluster.computes['hostA']
    servers = [cluster.create_on('hostA', f'killed-{i}') for i in range(SERVERS)]
    recoveries = []
    for round_no in range(ROUNDS):
        reboot_type = 'SOFT' if round_no % 2 else 'HARD'
        for server_id in servers:
            assert cluster.reboot(server_id, reboot_type)[0] == 202
        processes.wait_until(lambda: all(
            cluster.server(s)['OS-EXT-STS:task_state'] in STARTED for s in servers),
            15, 'all reboots started')
        compute.kill()
        restarted = time.monotonic()
        compute.start()
        for server_id in servers:
            server = cluster.wait_idle(server_id, timeout=40)
            assert server['OS-EXT-STS:power_state'] == 1
        recoveries.append(time.monotonic() - restarted)
    print(f'\nkill -9 rounds: {ROUNDS}, instances per round: {SERVERS}, recovered: '
          f'{ROUNDS * SERVERS}; restart→all ACTIVE s: min {min(recoveries):.2f} '
          f'max {max(recoveries):.2f}')
    _, body = cluster.client.get(f'/servers/{servers[0]}/os-instance-actions',
                                 token='admin:admin-project')
    reboots = [a for a in body['instanceActions'] if a['action'] == 'reboot']
    assert len(reboots) == ROUNDS
    assert all(a['message'] is None for a in reboots)
