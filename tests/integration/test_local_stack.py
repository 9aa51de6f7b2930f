"""devstack/stack.sh and unstack.sh: a 3-compute stack on RabbitMQ + PostgreSQL, end to end.

The stack runs in its own state dir, database, RabbitMQ vhost and port; the executor comes
from ``CEPHEID_EXECUTOR`` (the eventlet tox envs run this same scenario).
"""

import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from tests.fixtures import http
from tests.fixtures import processes

pytestmark = pytest.mark.integration

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPUTES = 3


@pytest.fixture
def local_stack(tmp_path):
    """Environment for stack.sh/unstack.sh; the stack is always unstacked and purged after."""
    name = f'cepheid_stk_{uuid.uuid4().hex[:8]}'
    env = dict(os.environ, CEPHEID_STACK_DIR=str(tmp_path / 'stack'), CEPHEID_STACK_DB=name,
               CEPHEID_STACK_PORT=str(processes.free_port()), CEPHEID_PYTHON=sys.executable,
               PATH=f'{pathlib.Path(sys.executable).parent}:{os.environ["PATH"]}')
    stack = {'env': env, 'dir': tmp_path / 'stack', 'port': env['CEPHEID_STACK_PORT'],
             'executor': os.environ.get('CEPHEID_EXECUTOR', 'threading')}
    yield stack
    subprocess.run([ROOT / 'devstack' / 'unstack.sh', '--purge'], env=env,
                   capture_output=True, timeout=120)


def _run(stack, script, *args, timeout=180):
    return subprocess.run([ROOT / 'devstack' / script, *args], env=stack['env'],
                          capture_output=True, text=True, timeout=timeout)


def _recorded_pids(stack):
    lines = (stack['dir'] / 'pids').read_text().split('\n')
    return {name: int(pid) for name, pid in (line.split() for line in lines if line)}


def _our_processes(stack):
    """Pids of every process whose command line names the stack's state dir."""
    found = []
    for entry in pathlib.Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / 'cmdline').read_bytes().replace(b'\0', b' ').decode()
            except OSError:
                continue
            if f'{stack["dir"]}/' in cmdline:
                found.append(int(entry.name))
    return found


def _server(client, server_id):
    return client.get(f'/servers/{server_id}', token=http.ADMIN)[1]['server']


def _idle(client, server_id):
    server = _server(client, server_id)
    return server if server['status'] == 'ACTIVE' and not server[
        'OS-EXT-STS:task_state'] else None


def _create_on_each_host(client):
    servers = {}
    for i in range(1, COMPUTES + 1):
        status, body = client.post('/servers', {'server': {
            'name': f'vm{i}', 'flavorRef': '1', 'availability_zone': f'nova:compute{i}'}},
            token=http.ADMIN)
        assert status == 202, body
        servers[f'compute{i}'] = body['server']['id']
    for server_id in servers.values():
        processes.wait_until(lambda s=server_id: _idle(client, s), 30, 'server ACTIVE')
    return servers


def _reboot_all(client, servers):
    for server_id in servers.values():
        status, body = client.post(f'/servers/{server_id}/action',
                                   {'reboot': {'type': 'SOFT'}}, token=http.ADMIN)
        assert status == 202, body
    for server_id in servers.values():
        processes.wait_until(lambda s=server_id: _idle(client, s), 30, 'reboot done')
        _, body = client.get(f'/servers/{server_id}/os-instance-actions', token=http.ADMIN)
        assert [a['action'] for a in body['instanceActions']] == ['reboot', 'create']


def _check_clouds_yaml(stack, endpoint):
    clouds = yaml.safe_load((stack['dir'] / 'clouds.yaml').read_text())['clouds']['cepheid']
    assert clouds['auth_type'] == 'admin_token'
    assert clouds['auth'] == {'endpoint': endpoint, 'token': 'admin:admin'}
    loading = pytest.importorskip('keystoneauth1.loading')
    session = pytest.importorskip('keystoneauth1.session')
    auth = loading.get_plugin_loader('admin_token').load_from_options(**clouds['auth'])
    resp = session.Session(auth=auth).get('/os-services', endpoint_filter={
        'service_type': 'compute', 'interface': 'public'})
    assert {s['host'] for s in resp.json()['services']} >= {'compute1', 'compute2', 'compute3'}


def test_stack_with_three_computes_reboots_on_each_and_unstacks_cleanly(local_stack):
    started = time.monotonic()
    result = _run(local_stack, 'stack.sh', '--computes', str(COMPUTES),
                  '--executor', local_stack['executor'])
    up_seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    endpoint = f'http://127.0.0.1:{local_stack["port"]}/v2.1'
    assert f'Compute endpoint: {endpoint}' in result.stdout
    client = http.Client(endpoint)

    started = time.monotonic()
    servers = _create_on_each_host(client)
    active_seconds = time.monotonic() - started
    assert {host: _server(client, s)['OS-EXT-SRV-ATTR:host']
            for host, s in servers.items()} == {host: host for host in servers}
    started = time.monotonic()
    _reboot_all(client, servers)
    reboot_seconds = time.monotonic() - started
    print(f'\nstack up ({COMPUTES} computes, {local_stack["executor"]}): {up_seconds:.1f}s; '
          f'3 servers ACTIVE in {active_seconds:.2f}s; 3 reboots done in {reboot_seconds:.2f}s')
    _check_clouds_yaml(local_stack, endpoint)
    _a_dead_api_worker_is_replaced(local_stack, client)

    again = _run(local_stack, 'stack.sh', '--computes', '1')
    assert again.returncode == 1
    assert 'already running' in again.stderr and 'unstack.sh' in again.stderr

    _unstack_stops_ours_and_nothing_else(local_stack)


def _api_workers(stack):
    supervisor = _recorded_pids(stack)['api']
    return {pid for pid in _our_processes(stack)
            if pathlib.Path(f'/proc/{pid}/stat').read_text().split()[3] == str(supervisor)}


def _a_dead_api_worker_is_replaced(stack, client):
    workers = _api_workers(stack)
    assert len(workers) == 2
    os.kill(min(workers), signal.SIGKILL)
    processes.wait_until(lambda: len(_api_workers(stack) - workers) == 1, 30, 'worker respawned')
    processes.wait_until(lambda: client.get('/servers', token=http.ADMIN)[0] == 200, 30,
                         'api answering after a worker restart')


def _unstack_stops_ours_and_nothing_else(stack):
    recorded = _recorded_pids(stack)
    assert sorted(recorded) == ['api', 'compute1', 'compute2', 'compute3']
    ours = _our_processes(stack)
    assert set(recorded.values()) <= set(ours)
    assert len(ours) >= len(recorded) + 2     # the api supervisor's two workers
    # A recorded pid now running something else (a recycled pid) must be left alone.
    decoy = subprocess.Popen(['sleep', '300'])
    with open(stack['dir'] / 'pids', 'a') as pids:
        pids.write(f'compute9 {decoy.pid}\n')
    try:
        result = _run(stack, 'unstack.sh', timeout=120)
        assert result.returncode == 0, result.stderr
        assert decoy.poll() is None, 'unstack killed a process it did not start'
    finally:
        decoy.kill()
        decoy.wait()
    for name, pid in recorded.items():
        assert f'stopped {name} (pid {pid})' in result.stdout
    processes.wait_until(lambda: not _our_processes(stack), 10, 'no stack process left')
    assert not (stack['dir'] / 'pids').exists()
