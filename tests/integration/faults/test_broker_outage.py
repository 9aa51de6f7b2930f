"""Fault 2: RabbitMQ stops for 10 s during a stream of 200 reboots over 20 servers; every
accepted reboot completes, none is lost or run twice."""

import collections
import concurrent.futures
import subprocess
import threading
import time

import pytest

from tests.integration.faults.conftest import Rows

pytestmark = pytest.mark.integration

SERVERS = 20
PER_SERVER = 10
OUTAGE = 10


def _rabbit(action):
    subprocess.run(['rabbitmqctl', '-q', action], check=True, capture_output=True, timeout=120)


def test_broker_outage_loses_and_duplicates_no_reboot(make_cluster):
    cluster = make_cluster(hosts=['hostA', 'hostB'],
                           compute_options={'fake_driver.reboot_delay': 1.0})
    servers = [cluster.create_on(('hostA', 'hostB')[i % 2], f'stream-{i}')
               for i in range(SERVERS)]
    recorder = cluster.listener()
    accepted = collections.Counter()
    codes = collections.Counter()
    lock = threading.Lock()
    outage_started = threading.Event()

    def stream(server_id):
        while accepted[server_id] < PER_SERVER:
            code, _ = cluster.reboot(server_id, 'SOFT')
            with lock:
                codes[code] += 1
                if code == 202:
                    accepted[server_id] += 1
            if code != 202 and code != 409:
                raise AssertionError(f'reboot answered {code}')
            cluster.wait_idle(server_id, timeout=180)

    def outage():
        while sum(accepted.values()) < 30:
            time.sleep(0.05)
        outage_started.set()
        _rabbit('stop_app')
        time.sleep(OUTAGE)
        _rabbit('start_app')
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(SERVERS + 1) as pool:
        breaker = pool.submit(outage)
        results = [pool.submit(stream, s) for s in servers]
        for future in results + [breaker]:
            future.result(timeout=600)
    took = time.monotonic() - started
    assert outage_started.is_set()
    assert sum(accepted.values()) == SERVERS * PER_SERVER
    rows = Rows(cluster)
    request_ids = []
    for server_id in servers:
        reboots = [(a, evs) for a, evs in rows.actions(server_id) if a['action'] == 'reboot']
        assert len(reboots) == accepted[server_id]
        for action, events in reboots:
            assert [(e['event'], e['result']) for e in events] == [
                ('compute_reboot_instance', 'Success')], action
            request_ids.append(action['request_id'])
    recorder.wait_for(lambda evs: {e[3]['nova_object.data']['request_id'] for e in evs
                                   if e[2] == 'instance.reboot.end'} >= set(request_ids),
                      timeout=60)
    ends = collections.Counter(e[3]['nova_object.data']['request_id']
                               for e in recorder.events if e[2] == 'instance.reboot.end')
    duplicated = [r for r in request_ids if ends[r] > 1]
    print(f'\nbroker outage {OUTAGE}s: accepted {sum(accepted.values())}, completed '
          f'{len(request_ids)}, lost 0, duplicated {len(duplicated)}, 5xx '
          f'{sum(n for c, n in codes.items() if c >= 500)}, 409s {codes[409]}; '
          f'stream took {took:.1f}s')
    assert duplicated == []
    recorder.listener.stop()
