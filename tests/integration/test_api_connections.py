"""A real ``cepheid-api`` keeps serving new clients while many others hold keep-alive
connections open: its limit is ``[api] max_connections``, not waitress's 100 (with which
the 99th client waited until an idle connection timed out)."""

import http.client

import pytest

from tests.fixtures import cluster as cluster_mod

pytestmark = pytest.mark.integration

IDLE_CLIENTS = 150


@pytest.fixture
def cluster(tmp_path):
    yield from cluster_mod.running(tmp_path, hosts=('hostA',))


def _get_versions(port, timeout):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    conn.request('GET', '/v2.1/')
    resp = conn.getresponse()
    resp.read()
    return conn, resp.status


def test_a_new_client_is_served_while_150_keep_alive_clients_idle(cluster):
    clients = []
    try:
        for _ in range(IDLE_CLIENTS):
            conn, status = _get_versions(cluster['cluster'].port, timeout=5)
            assert status == 200
            clients.append(conn)
        late, status = _get_versions(cluster['cluster'].port, timeout=5)
        late.close()
        assert status == 200
    finally:
        for conn in clients:
            conn.close()
