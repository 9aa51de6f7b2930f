"""Fault 6 (issue 14 item 1): SOFT reboots overtaken by HARD ones and HARD reboots merged
into one in progress — every accepted request ends with its compute event finished
(Success, or Error with the reason), and neither service logs a traceback.

The rows are read once every reboot's event has finished (bounded), not when the servers
look idle: a HARD request merged into an earlier one is handled after that one ends.
"""

import collections
import concurrent.futures
import pathlib
import time

import pytest

from tests.integration.faults.conftest import Rows

pytestmark = pytest.mark.integration

SERVERS = 12
ROUNDS = 3
EVENT = 'compute_reboot_instance'


def test_every_accepted_reboot_ends_with_its_event_finished(make_cluster):
    cluster = make_cluster(hosts=['hostA', 'hostB'],
                           compute_options={'fake_driver.reboot_delay': 0.3})
    servers = [cluster.create_on(('hostA', 'hostB')[i % 2], f'race-{i}')
               for i in range(SERVERS)]
    codes = collections.Counter()
    started = time.monotonic()

    def burst(server_id):
        for _ in range(ROUNDS):
            for reboot_type in ('SOFT', 'HARD', 'HARD'):
                codes[cluster.reboot(server_id, reboot_type)[0]] += 1
            cluster.wait_idle(server_id, timeout=60)
    with concurrent.futures.ThreadPoolExecutor(SERVERS) as pool:
        list(pool.map(burst, servers))
    # Not at "idle": a merged HARD request is still queued on the compute then.
    found = Rows(cluster).settled_actions(servers, action='reboot', event=EVENT)
    results, open_events = collections.Counter(), []
    for server_id in servers:
        for action, events in found[server_id]:
            if action['action'] != 'reboot':
                continue
            mine = [e for e in events if e['event'] == EVENT]
            assert len(mine) == 1, (action, events)
            if mine[0]['finish_time'] is None:
                open_events.append(action['request_id'])
            results[(mine[0]['result'], mine[0]['details'])] += 1
    took = time.monotonic() - started
    finished = sum(results.values())
    tracebacks = {p.name: p.read_text().count('Traceback')
                  for p in pathlib.Path(cluster.tmp).glob('*.log')}
    print(f'\nsuperseded requests: accepted {codes[202]}, 409 {codes[409]}, 5xx '
          f'{sum(n for c, n in codes.items() if c >= 500)}, events finished {finished}, '
          f'open {len(open_events)}, lost {codes[202] - finished}; results '
          f'{dict(results)}; tracebacks {tracebacks}; {took:.1f} s')
    assert finished == codes[202] and open_events == []
    assert sum(n for c, n in codes.items() if c >= 500) == 0
    assert any(result == 'Error' for result, _ in results)    # the races did happen
    assert set(tracebacks.values()) == {0}
