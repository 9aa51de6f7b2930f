"""Integration fixtures: a cluster of service processes over RabbitMQ + PostgreSQL."""

import pathlib

import pytest

from tests.fixtures import cluster as cluster_fixture

HERE = pathlib.Path(__file__).parent
# Folders whose session fixtures start one shared thing (a libvirtd, a Keystone): one worker each.
_ONE_WORKER_FOLDERS = ('libvirt', 'keystone')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist's ``--dist loadgroup`` a file's tests run on one worker (its
    module-scoped cluster is started once), and so does each folder of _ONE_WORKER_FOLDERS.
    First among the hooks: xdist's own names each item's group from these marks, in its
    ``pytest_collection_modifyitems``; run after it (as this conftest, loaded at start-up,
    was), the marks came too late and every test was scheduled on its own: two workers
    each started the libvirt folder's libvirtd."""
    for item in items:
        parts = pathlib.Path(str(item.fspath)).resolve().relative_to(HERE.resolve()).parts
        group = parts[0] if parts[0] in _ONE_WORKER_FOLDERS else '/'.join(parts)
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """cepheid-api + computes on hostA and hostB, as processes (a dict, plus the object)."""
    yield from cluster_fixture.running(tmp_path_factory.mktemp('cluster'))


@pytest.fixture
def bus_listener(cluster):
    """Our own oslo.messaging notification listener on the real RabbitMQ."""
    recorder = cluster['cluster'].listener()
    yield recorder
    recorder.close()


@pytest.fixture
def start(tmp_path):
    """``start(**options)``: a cluster on hostA and hostB with the given Cluster options,
    started (its logs dumped if it does not come up), stopped after the test."""
    started = []

    def start(**options):
        cluster = cluster_fixture.Cluster(tmp_path, hosts=('hostA', 'hostB'), **options)
        started.append(cluster)
        try:
            return cluster.start()
        except Exception:
            cluster.dump_logs()
            raise
    yield start
    for cluster in started:
        cluster.stop()
