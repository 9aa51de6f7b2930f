"""Fault 4: a reboot accepted while its compute is down completes when it comes back
(the cast waits in the durable queue); with the host never back the watchdog ends it."""

import time

import pytest

from tests.fixtures import processes
from tests.integration.faults.conftest import Rows

pytestmark = pytest.mark.integration

DOWN_FOR = 20
REBOOT_TIMEOUT = 35


def test_reboot_survives_a_down_host_or_is_ended_by_the_watchdog(make_cluster):
    cluster = make_cluster(hosts=['hostA', 'hostB'], api_options={
        'reboot_timeout': REBOOT_TIMEOUT, 'watchdog_interval': 1})
    rows = Rows(cluster)
    back = cluster.create_on('hostA', 'comes-back')
    lost = cluster.create_on('hostB', 'never-back')
    for host in ('hostA', 'hostB'):
        cluster.computes[host].stop()
    accepted = time.monotonic()
    assert cluster.reboot(back, 'SOFT')[0] == 202
    assert cluster.reboot(lost, 'HARD')[0] == 202
    processes.wait_until(lambda: time.monotonic() - accepted >= DOWN_FOR, DOWN_FOR + 5,
                         'the outage')
    assert cluster.server(back)['status'] == 'REBOOT'
    cluster.computes['hostA'].start()
    cluster.wait_idle(back, timeout=30)
    recovered = time.monotonic() - accepted
    (action, events), *_ = rows.actions(back)
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]
    ended = processes.wait_until(
        lambda: cluster.server(lost)['OS-EXT-STS:task_state'] is None, REBOOT_TIMEOUT + 30,
        'watchdog ends the lost reboot')
    gave_up = time.monotonic() - accepted
    assert ended
    fault = rows.faults(lost)[lost]
    assert 'did not finish' in fault['message'] and 'hostB is down' in fault['message']
    (action, events), *_ = rows.actions(lost)
    assert action['message'] == 'Error'
    assert ('api_watchdog', 'Error') in [(e['event'], e['result']) for e in events]
    print(f'\nhost down {DOWN_FOR}s: reboot completed {recovered:.1f}s after accept; '
          f'host never back: watchdog ended it after {gave_up:.1f}s '
          f'(reboot_timeout {REBOOT_TIMEOUT}s)')
