"""/metrics and /healthcheck on the all-in-one stack, and the demo's timeline.

``/metrics`` is parsed with prometheus_client's own parser; counters must move by exactly
the actions done (the registry is the process's, so the test compares before and after).
"""

import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import redirect_stdout

from prometheus_client.parser import text_string_to_metric_families

from cepheid.demo import client as demo_client
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

ROW = re.compile(r'^\s*\+\s*([\d.]+) ms\s+(\w+)\s+(.*)$')


def _get(stack, path):
    base = stack.endpoint.rsplit('/v2.1', 1)[0]
    try:
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            return resp.status, resp.headers.get('Content-Type'), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get('Content-Type'), err.read().decode()


def scrape(stack):
    """{(sample name, frozenset of labels): value} of ``/metrics``."""
    status, content_type, text = _get(stack, '/metrics')
    assert status == 200 and content_type.startswith('text/plain'), (status, content_type)
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def delta(before, after, name, **labels):
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def _act(client, server_id, body, token=http.MEMBER):
    return client.post(f'/servers/{server_id}/action', body, token=token)[0]


def test_metrics_count_exactly_the_actions_done(stack, client, server):
    uuid = server['id']
    before = scrape(stack)
    for reboot_type in ('SOFT', 'SOFT', 'HARD'):
        assert _act(client, uuid, {'reboot': {'type': reboot_type}}) == 202
        wait_for_server(client, uuid, idle)
    assert _act(client, uuid, {'lock': {'locked_reason': 'maintenance'}},
                token=http.ADMIN) == 202
    assert _act(client, uuid, {'reboot': {'type': 'SOFT'}}) == 409    # locked: refused
    assert _act(client, uuid, {'unlock': None}, token=http.ADMIN) == 202
    finished = ('cepheid_action_events_total',
                {'event': 'compute_reboot_instance', 'result': 'Success'})
    deadline = time.monotonic() + 20
    while delta(before, scrape(stack), finished[0], **finished[1]) < 3:
        assert time.monotonic() < deadline, 'three reboot events not finished'
        time.sleep(0.02)
    after = scrape(stack)
    counts = {(a, t, r): delta(before, after, 'cepheid_server_actions_total',
                               action=a, type=t, result=r)
              for a, t, r in [('reboot', 'SOFT', '202'), ('reboot', 'HARD', '202'),
                              ('reboot', 'SOFT', '409'), ('lock', '', '202'),
                              ('unlock', '', '202'), ('reboot', 'HARD', '409')]}
    assert counts == {('reboot', 'SOFT', '202'): 2, ('reboot', 'HARD', '202'): 1,
                      ('reboot', 'SOFT', '409'): 1, ('lock', '', '202'): 1,
                      ('unlock', '', '202'): 1, ('reboot', 'HARD', '409'): 0}
    assert delta(before, after, finished[0], **finished[1]) == 3
    assert delta(before, after, 'cepheid_action_duration_seconds_count',
                 event='compute_reboot_instance') == 3
    durations = {state: delta(before, after, 'cepheid_task_state_duration_seconds_count',
                              task_state=state)
                 for state in ('reboot_pending', 'reboot_started', 'reboot_pending_hard',
                               'reboot_started_hard')}
    assert durations == {'reboot_pending': 2, 'reboot_started': 2,
                         'reboot_pending_hard': 1, 'reboot_started_hard': 1}
    assert delta(before, after, 'cepheid_conductor_call_seconds_count', method='begin') == 3


def test_healthcheck_answers_ok_without_a_token(stack):
    assert _get(stack, '/healthcheck')[::2] == (200, 'OK')


def test_healthcheck_is_503_when_the_database_fails(stack, monkeypatch):
    def broken():
        raise ConnectionRefusedError('no database')
    monkeypatch.setattr(stack.services.db, 'transaction', broken)
    status, _, body = _get(stack, '/healthcheck')
    monkeypatch.undo()
    assert (status, body) == (503, 'database: ConnectionRefusedError')
    assert _get(stack, '/healthcheck')[::2] == (200, 'OK')


def test_demo_timeline_shows_every_saved_step_of_this_operation_only(stack):
    out = io.StringIO()
    with redirect_stdout(out):
        assert demo_client.run_demo(stack) == 0
    text = out.getvalue()
    soft = text.split('== SOFT reboot')[1].split('== HARD reboot')[0]
    hard = text.split('== HARD reboot')[1].split('== instance actions')[0]
    assert text.count('Legend:') == 1
    for section, suffix in ((soft, ''), (hard, '_hard')):
        rows = [ROW.match(line).groups() for line in section.splitlines()[1:] if line.strip()]
        steps = [(source, rest) for _, source, rest in rows]
        compute = [rest for source, rest in steps if source == 'compute']
        assert [c.split()[0] for c in compute] == [
            f'task_state=reboot_pending{suffix}', f'task_state=reboot_started{suffix}',
            'task_state=None'], section
        assert steps[0][0] == 'api' and f'task_state=rebooting{suffix} ' in steps[0][1]
        bus = [rest.split()[0] for source, rest in steps if source == 'bus']
        assert bus == ['instance.reboot.start', 'instance.reboot.end'], section
        offsets = [float(offset) for offset, _, _ in rows]
        assert offsets == sorted(offsets)


def test_demo_with_serve_points_at_the_dashboard_and_keeps_serving():
    # The demo is a plain threads process, also when this suite runs green.
    env = {k: v for k, v in os.environ.items() if k != 'OS_DEFAULT__EXECUTOR'}
    proc = subprocess.Popen([sys.executable, '-m', 'cepheid.demo.allinone', '--serve'],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ''
        while 'Dashboard:' not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, proc.stderr.read()
        url = line.split('Dashboard: ', 1)[1].strip()
        assert re.fullmatch(r'http://127\.0\.0\.1:\d+/dashboard\?token=demo:demo-project', url)
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
