"""Integration fixtures: a cluster of service processes over RabbitMQ + PostgreSQL."""

import pytest

from tests.fixtures import cluster as cluster_fixture


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """cepheid-api + computes on hostA and hostB, as processes (a dict, plus the object)."""
    running = cluster_fixture.Cluster(tmp_path_factory.mktemp('cluster'))
    try:
        running.start()
        yield {'client': running.client, 'hosts': running.hosts,
               'transport_url': running.transport_url, 'procs': running.procs,
               'db': running.database, 'tmp': running.tmp, 'cluster': running}
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


@pytest.fixture
def bus_listener(cluster):
    """Our own oslo.messaging notification listener on the real RabbitMQ."""
    recorder = cluster['cluster'].listener()
    yield recorder
    recorder.listener.stop()
    recorder.listener.wait()
