"""Functional fixtures: the all-in-one stack (api + computes, fake://, SQLite) over HTTP."""

import os

if os.environ.get('CEPHEID_EXECUTOR') == 'eventlet':
    # Green everything before oslo.* and cepheid are imported; every ConfigOpts then reads
    # [DEFAULT] executor = eventlet from oslo.config's environment source.
    import eventlet
    import eventlet.debug
    eventlet.monkey_patch()
    os.environ['OS_DEFAULT__EXECUTOR'] = 'eventlet'
    # Only because this process starts and stops a waitress server per test: a green worker
    # of a stopped server can stay parked on its closed trigger pipe, whose fd number the
    # next server reuses. A service process runs one server for its lifetime.
    eventlet.debug.hub_prevent_multiple_readers(False)

import time  # noqa: E402

import pytest  # noqa: E402

from cepheid.demo import allinone  # noqa: E402
from tests.fixtures import http  # noqa: E402


@pytest.fixture
def stack():
    conf = allinone.make_conf(compute_driver='fake')
    conf.set_override('wait_soft_reboot_seconds', 5, group='fake_driver')
    running = allinone.AllInOne(conf, hosts=['compute1', 'compute2']).start()
    yield running
    running.stop()


@pytest.fixture
def client(stack):
    return http.Client(stack.endpoint)


def wait_for_server(client, server_id, predicate, timeout=20, token=http.MEMBER):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = client.get(f'/servers/{server_id}', token=token)
        assert status == 200, body
        if predicate(body['server']):
            return body['server']
        time.sleep(0.005)
    raise TimeoutError(f'server {server_id}: condition not met, last {body}')


def idle(server):
    return server['status'] == 'ACTIVE' and server['OS-EXT-STS:task_state'] is None


@pytest.fixture
def server(client):
    """An ACTIVE server of the member's project."""
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], idle)
