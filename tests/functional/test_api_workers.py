"""``[api] workers = 2``: one supervisor, two worker processes on one socket, clean stop."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from cepheid.api import manage
from tests.fixtures import processes


def _wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f'{what} not reached in {timeout}s')


def _children(pid):
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as stat:
                    if stat.read().rsplit(')', 1)[1].split()[1] == str(pid):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _answers(port):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=5) as resp:
        return resp.status == 200


def test_supervisor_runs_two_workers_on_one_port_and_stops_them(tmp_path):
    port = processes.free_port()
    conf = str(tmp_path / 'api.conf')
    with open(conf, 'w') as f:
        f.write(f"[DEFAULT]\ntransport_url = fake://\nhost = api-w\n"
                f"executor = {os.environ.get('CEPHEID_EXECUTOR', 'threading')}\n"
                f"[api]\nauth_strategy = noauth2\nport = {port}\nworkers = 2\n"
                f"[database]\nconnection = sqlite:///{tmp_path}/api.sqlite\n")
    manage.main(['--config-file', conf, 'db', 'sync'])
    with open(tmp_path / 'api.log', 'wb') as log:
        proc = subprocess.Popen([sys.executable, '-m', 'cepheid.api.cmd', '--config-file', conf],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until(lambda: _answers(port), 60, 'api answering')
        workers = _wait_until(lambda: len(_children(proc.pid)) == 2 and
                                       _children(proc.pid), 30, 'two workers')
        assert all(_answers(port) for _ in range(10))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        _wait_until(lambda: not any(processes.alive(pid) for pid in workers), 10,
                             'workers gone')
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
