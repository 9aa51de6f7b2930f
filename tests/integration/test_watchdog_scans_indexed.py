"""The watchdog's two scans (every api process, every watchdog_interval) use an index on
PostgreSQL, so they do not grow with every server and every event ever recorded."""

import datetime

import pytest
import sqlalchemy as sa

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration
from cepheid.api.db import models
from cepheid.api.db import session as db_session
from tests.fixtures import processes

pytestmark = pytest.mark.integration

SERVERS = 3000


@pytest.fixture(scope='module')
def database():
    pg = processes.PostgresDatabase()
    database = db_session.Database(pg.url)
    migration.db_sync(database)
    _fill(database)
    yield database
    database.dispose()
    pg.drop()


def _fill(database):
    """Many idle servers with finished events, a few with a task and an open event."""
    now = models.utcnow()
    old = now - datetime.timedelta(hours=1)
    instances, actions, events = [], [], []
    for i in range(SERVERS):
        busy = i % 1000 == 0
        uuid = f'00000000-0000-0000-0000-{i:012d}'
        instances.append({'uuid': uuid, 'display_name': f'vm-{i}', 'flavor_id': '1',
                          'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
                          'root_gb': 1, 'project_id': 'p', 'user_id': 'u', 'host': 'h',
                          'vm_state': 'active', 'power_state': 1, 'deleted': 0,
                          'task_state': 'rebooting' if busy else None,
                          'created_at': old, 'updated_at': old})
        actions.append({'id': i + 1, 'instance_uuid': uuid, 'request_id': f'req-{i}',
                        'action': 'reboot', 'start_time': old, 'created_at': old})
        events.append({'action_id': i + 1, 'event': 'compute_reboot_instance',
                       'start_time': old, 'finish_time': None if busy else now,
                       'result': None if busy else 'Success', 'created_at': old})
    with database.engine.begin() as conn:
        conn.execute(sa.insert(models.Instance.__table__), instances)
        conn.execute(sa.insert(models.InstanceAction.__table__), actions)
        conn.execute(sa.insert(models.InstanceActionEvent.__table__), events)
        for table in ('instances', 'instance_actions', 'instance_actions_events'):
            conn.exec_driver_sql(f'ANALYZE {table}')


def _plans(database, scan):
    """EXPLAIN of every statement ``scan(session)`` runs."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(database.engine, 'before_cursor_execute', capture)
    try:
        with database.transaction() as session:
            scan(session)
    finally:
        sa.event.remove(database.engine, 'before_cursor_execute', capture)
    with database.engine.connect() as conn:
        return ['\n'.join(row[0] for row in conn.exec_driver_sql(f'EXPLAIN {sql}', params))
                for sql, params in statements]


def test_the_stuck_task_scan_uses_the_task_state_index(database):
    cutoff = models.utcnow() - datetime.timedelta(minutes=5)
    with database.transaction() as session:
        assert len(db_instances.get_stuck(session, older_than=cutoff)) == SERVERS // 1000
    [plan] = _plans(database, lambda s: db_instances.get_stuck(s, older_than=cutoff))
    assert 'instances_task_state_idx' in plan, plan


def test_the_abandoned_event_scan_uses_the_finish_time_index(database):
    cutoff = models.utcnow() - datetime.timedelta(minutes=5)
    [plan] = _plans(database, lambda s: db_actions.abandoned_events(s, older_than=cutoff))
    assert 'instance_actions_events_finish_time_idx' in plan, plan
