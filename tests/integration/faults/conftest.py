"""Fault-test helpers: a cluster per scenario, and reading the real database directly."""

import pytest

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import session as db_session
from tests.fixtures import cluster as cluster_fixture


@pytest.fixture(scope='module')
def make_cluster(tmp_path_factory):
    """``make_cluster(**options)`` starts a Cluster torn down with the module."""
    made = []

    def factory(**options):
        running = cluster_fixture.Cluster(tmp_path_factory.mktemp('faults'), **options)
        made.append(running)
        try:
            return running.start()
        except Exception:
            running.dump_logs()
            raise
    yield factory
    for running in made:
        running.stop()


class Rows:
    """Read-only access to a cluster's PostgreSQL database (what the api service wrote)."""

    def __init__(self, cluster):
        self.db = db_session.Database(cluster.database.url)

    def instance(self, uuid):
        with self.db.transaction() as session:
            return db_instances.get(session, uuid)

    def actions(self, uuid):
        with self.db.transaction() as session:
            return [(a, db_actions.event_list(session, a['id']))
                    for a in db_actions.action_list(session, uuid)]

    def faults(self, uuid):
        with self.db.transaction() as session:
            return db_actions.fault_latest(session, [uuid])
