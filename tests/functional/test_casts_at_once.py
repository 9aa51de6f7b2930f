"""A compute's casts that only queue their operation run in its RPC listener's thread
(compute/endpoint.py ``runs_at_once``), its calls on the RPC server's pool: a reboot, a
boot and a call all still do what the user asked."""

import os

import pytest

from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

pytestmark = pytest.mark.skipif(
    os.environ.get('CEPHEID_EXECUTOR', 'threading') != 'threading',
    reason='the at-once path is the threading executor\'s (common/rpc.py RPCExecutor)')


def _executor(stack, server):
    return stack.computes[server['OS-EXT-SRV-ATTR:host']].rpc_server._work_executor


def test_a_reboot_cast_runs_at_once_and_a_call_on_the_pool(stack, client):
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert status == 202, body
    server = wait_for_server(client, body['server']['id'], idle, token=http.ADMIN)
    executor = _executor(stack, server)
    host = server['OS-EXT-SRV-ATTR:host']
    assert executor.ran_at_once >= 1             # the boot's build_and_run_instance
    before = executor.ran_at_once
    for reboot_type in ('SOFT', 'HARD'):
        status, _ = client.post(f'/servers/{server["id"]}/action',
                                {'reboot': {'type': reboot_type}})
        assert status == 202
        server = wait_for_server(client, server['id'], idle, token=http.ADMIN)
    assert server['OS-EXT-SRV-ATTR:host'] == host
    assert executor.ran_at_once == before + 2
    # A call is answered from the pool, and leaves the count alone.
    status, answer = client.post(f'/servers/{server["id"]}/action',
                                 {'os-getConsoleOutput': {}})
    assert status == 200 and 'output' in answer
    assert executor.ran_at_once == before + 2
