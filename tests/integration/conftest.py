"""Integration fixtures: a cluster of service processes over RabbitMQ + PostgreSQL."""

import pytest

from tests.fixtures import cluster as cluster_fixture


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """cepheid-api + computes on hostA and hostB, as processes (a dict, plus the object)."""
    yield from cluster_fixture.running(tmp_path_factory.mktemp('cluster'))


@pytest.fixture
def bus_listener(cluster):
    """Our own oslo.messaging notification listener on the real RabbitMQ."""
    recorder = cluster['cluster'].listener()
    yield recorder
    recorder.listener.stop()
    recorder.listener.wait()
