"""One cluster for the client tests (package scope: the CLI and SDK modules share it)."""

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.integration.clients import tools


@pytest.fixture(scope='package')
def clients_cluster(tmp_path_factory):
    """cepheid-api (noauth2, so with the identity stub) + computes on hostA and hostB."""
    running = cluster_fixture.Cluster(tmp_path_factory.mktemp('clients-cluster'))
    try:
        running.start()
        yield running
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


@pytest.fixture(scope='package')
def clients(clients_cluster, tmp_path_factory):
    base_url = clients_cluster.client.endpoint.rsplit('/v2.1', 1)[0]
    return tools.Clients(base_url, tmp_path_factory.mktemp('clients'))


@pytest.fixture
def server(clients_cluster, request):
    """A new ACTIVE server of the owner's project, named after the test: (id, name)."""
    name = request.node.name.replace('[', '-').replace(']', '')[:60]
    status, body = clients_cluster.client.post(
        '/servers', {'server': {'name': name, 'flavorRef': '1'}}, token=tools.OWNER)
    assert status == 202, body
    server_id = body['server']['id']
    clients_cluster.wait_idle(server_id)
    return server_id, name
