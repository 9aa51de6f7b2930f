"""Fault 8 (issue 14 item 4): the api's PostgreSQL (a private server) stops for 10 s
during a stream of reboots. Every route answers 503 serviceUnavailable with Retry-After,
one log line per failure and no traceback; once the database is back the api answers
again, and every accepted reboot completes (the computes wait the outage out)."""

import collections
import concurrent.futures
import pathlib
import threading
import time

import pytest

from tests.fixtures import http
from tests.fixtures import private_postgres
from tests.fixtures import processes
from tests.integration.faults.conftest import Rows

pytestmark = pytest.mark.integration

SERVERS = 10
PER_SERVER = 6
OUTAGE = 10
BODY = {'serviceUnavailable': {
    'code': 503, 'message': 'The database is unavailable. Please try again later.'}}


def _probes(server_id):
    return [('GET', '/servers', None), ('GET', '/servers/detail', None),
            ('GET', f'/servers/{server_id}', None), ('GET', '/flavors', None),
            ('GET', f'/servers/{server_id}/os-instance-actions', None),
            ('GET', '/os-services', None),
            ('POST', f'/servers/{server_id}/action', {'reboot': {'type': 'HARD'}}),
            ('POST', '/servers', {'server': {'name': 'x', 'flavorRef': '1'}})]


def test_database_outage_answers_503_then_recovers_and_loses_no_reboot(make_cluster):
    database = private_postgres.PrivatePostgres().start().create_database()
    cluster = make_cluster(hosts=['hostA', 'hostB'], database=database,
                           compute_options={'fake_driver.reboot_delay': 0.5})
    servers = [cluster.create_on(('hostA', 'hostB')[i % 2], f'db-{i}')
               for i in range(SERVERS)]
    probe = cluster.create_on('hostA', 'probe')       # asked only by the probes
    accepted, codes = collections.Counter(), collections.Counter()
    lock = threading.Lock()
    outage = {}

    def stream(server_id):
        while accepted[server_id] < PER_SERVER:
            code, _ = cluster.reboot(server_id, 'SOFT')
            with lock:
                codes[code] += 1
                accepted[server_id] += code == 202
            assert code in (202, 409, 503), f'reboot answered {code}'
            cluster.wait_idle(server_id, timeout=180)

    def break_database():
        processes.wait_until(lambda: sum(accepted.values()) >= 15, 120, '15 reboots')
        database.stop()
        outage['down'] = time.monotonic()
        answers = []
        for method, path, body in _probes(probe):
            asked = time.monotonic()
            status, reply, headers = _request(cluster, method, path, body)
            answers.append((method, path, status, reply, headers.get('Retry-After'),
                            time.monotonic() - asked))
        outage['answers'] = answers
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - outage['down'])))
        database.start()
        outage['up'] = time.monotonic()
        processes.wait_until(lambda: cluster.client.get('/servers', token=http.ADMIN)[0]
                             == 200, 60, 'the api answering again', interval=0.05)
        outage['recovered'] = time.monotonic() - outage['up']
    with concurrent.futures.ThreadPoolExecutor(SERVERS + 1) as pool:
        breaker = pool.submit(break_database)
        for future in [pool.submit(stream, s) for s in servers] + [breaker]:
            future.result(timeout=600)
    rows = Rows(cluster)
    completed = 0
    for server_id in servers:
        reboots = [(a, evs) for a, evs in rows.actions(server_id) if a['action'] == 'reboot']
        assert len(reboots) == accepted[server_id]
        for action, events in reboots:
            assert [(e['event'], e['result']) for e in events] == [
                ('compute_reboot_instance', 'Success')], action
            completed += 1
    logs = {p.name: p.read_text() for p in pathlib.Path(cluster.tmp).glob('*.log')}
    refused = logs['api.log'].count('Database unavailable: ')
    answers = outage['answers']
    probe_lines = [logs['api.log'].count(f'Database unavailable: {m} /v2.1{p} answered 503')
                   for m, p, *_ in answers]
    print(f'\ndatabase outage {OUTAGE}s (private PostgreSQL): accepted {sum(accepted.values())}'
          f', completed {completed}, events finished {completed}, lost '
          f'{sum(accepted.values()) - completed}, duplicated 0, 503 {codes[503]} (stream) + '
          f'{len(answers)} (probes), other 5xx '
          f'{sum(n for c, n in codes.items() if c >= 500 and c != 503)}; probe answers '
          f'{sorted({a[2] for a in answers})} in max '
          f'{max(a[5] for a in answers) * 1000:.0f} ms; api answered again '
          f'{outage["recovered"]:.2f} s after the restart; "Database unavailable" lines '
          f'{refused} (every 503, the streams\' polling included); tracebacks '
          f'{[n for n, t in logs.items() if "Traceback" in t]}')
    for method, path, status, reply, retry_after, _ in answers:
        assert (status, reply, retry_after) == (503, BODY, '5'), (method, path)
    assert probe_lines == [1] * len(answers)          # one line per failed request
    assert all('Traceback' not in text for text in logs.values())
    assert sum(n for c, n in codes.items() if c >= 500 and c != 503) == 0


def _request(cluster, method, path, body):
    import json
    import urllib.error
    import urllib.request
    request = urllib.request.Request(
        cluster.client.endpoint + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={'X-Auth-Token': http.ADMIN, 'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b'null'), response.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b'null'), err.headers
