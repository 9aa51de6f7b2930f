"""Fault-test helpers: a cluster per scenario (its processes' last log lines printed when a
test using it fails), and reading the real database directly."""

import contextlib
import io
import time

import pytest

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import session as db_session
from tests.fixtures import cluster as cluster_fixture

# The clusters of the running module: a failed test's report ends with their logs' last
# lines (what the services saw, also in CI).
_RUNNING = []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == 'call' and report.failed and _RUNNING:
        logs = io.StringIO()
        with contextlib.redirect_stdout(logs):
            for running in _RUNNING:
                running.dump_logs()
        report.sections.append(('service logs (last lines)', logs.getvalue()))
    return report


@pytest.fixture(scope='module')
def make_cluster(tmp_path_factory):
    """``make_cluster(**options)`` starts a Cluster torn down with the module."""
    made = []

    def factory(**options):
        running = cluster_fixture.Cluster(tmp_path_factory.mktemp('faults'), **options)
        made.append(running)
        _RUNNING.append(running)
        try:
            return running.start()
        except Exception:
            running.dump_logs()
            raise
    yield factory
    for running in made:
        _RUNNING.remove(running)
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

    def settled_actions(self, uuids, *, action, event, timeout=60):
        """``{uuid: [(action, events)]}`` once every ``action`` of ``uuids`` has its
        ``event`` finished, or as it stands after ``timeout`` seconds (the caller's
        assertions then say what is missing).

        A server that looks idle (ACTIVE, no task_state) may still have a request queued
        on its compute: a HARD reboot accepted while an earlier one had not begun yet
        is merged into it, and its event is recorded when the compute reaches it, after
        the earlier reboot ended. Reading the rows at "idle" misses that event.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = {uuid: self.actions(uuid) for uuid in uuids}
            settled = all(
                any(e['event'] == event and e['finish_time'] is not None for e in events)
                for rows in found.values() for a, events in rows if a['action'] == action)
            if settled or time.monotonic() > deadline:
                return found
            time.sleep(0.1)
