"""A bench or test run killed by a signal leaves no service behind: a service that
tests/fixtures/processes.ServiceProcess started (in a session of its own) gets SIGTERM
when the process that started it is gone, and stops."""

import os
import pathlib
import signal
import subprocess
import sys
import urllib.request

import pytest

from cepheid.api import manage
from tests.fixtures import processes

pytestmark = pytest.mark.integration

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The run that starts a service and is then killed (as a bench script stopped by SIGKILL).
PARENT = '''
import sys, time
from tests.fixtures import processes
service = processes.ServiceProcess('cepheid.api.cmd', sys.argv[1], sys.argv[2]).start()
print(service.proc.pid, flush=True)
time.sleep(600)
'''


def _answers(port):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=5) as resp:
        return resp.status == 200


def test_a_service_stops_when_the_run_that_started_it_is_killed(tmp_path):
    port = processes.free_port()
    conf = processes.write_conf(tmp_path / 'api.conf', {
        'DEFAULT': {'transport_url': 'fake://', 'host': 'api-orphan',
                    'executor': os.environ.get('CEPHEID_EXECUTOR', 'threading')},
        'api': {'auth_strategy': 'noauth2', 'port': port, 'workers': 1},
        'database': {'connection': f'sqlite:///{tmp_path}/api.sqlite'}})
    manage.main(['--config-file', conf, 'db', 'sync'])
    parent = subprocess.Popen([sys.executable, '-c', PARENT, conf, str(tmp_path / 'api.log')],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    service = None
    try:
        service = int(parent.stdout.readline())
        processes.wait_until(lambda: _answers(port), 60, 'api answering')
        parent.kill()
        parent.wait(10)
        processes.wait_until(lambda: not processes.alive(service), 30, 'the orphaned api stopped')
        with pytest.raises(OSError):        # its port is closed: nothing serves there
            _answers(port)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if service is not None and processes.alive(service):
            os.kill(service, signal.SIGKILL)
