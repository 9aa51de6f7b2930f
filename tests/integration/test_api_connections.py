"""A real ``cepheid-api`` keeps serving new clients while many others hold keep-alive
connections open: its limit is ``[api] max_connections``, not waitress's 100 (with which
the 99th client waited until an idle connection timed out)."""

import pytest

from tests.fixtures import cluster as cluster_mod
from tests.fixtures import http

pytestmark = pytest.mark.integration

IDLE_CLIENTS = 150


@pytest.fixture
def cluster(tmp_path):
    yield from cluster_mod.running(tmp_path, hosts=('hostA',))


def test_a_new_client_is_served_while_150_keep_alive_clients_idle(cluster):
    port = cluster['cluster'].port
    clients = []
    try:
        clients = http.idle_keepalive_clients(port, IDLE_CLIENTS)
        late, = http.idle_keepalive_clients(port, 1)
        late.close()
    finally:
        for conn in clients:
            conn.close()
