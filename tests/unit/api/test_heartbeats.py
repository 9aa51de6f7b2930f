"""Batched heartbeats: a compute's first beat is written at once, later ones together in
one transaction per flush, and a failed flush keeps its beats."""

import pytest
import sqlalchemy as sa

from cepheid.api import conductor
from cepheid.api import heartbeats
from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import services as db_services
from cepheid.api.db import session as db_session
from cepheid.common import context as cep_context
from tests.fixtures import local_stack

BINARY = 'cepheid-compute'


@pytest.fixture
def db():
    return local_stack.LocalStack().db


def _services(db):
    with db.transaction() as session:
        return {s['host']: s for s in db_services.service_list(session, binary=BINARY)}


def _node(db, host):
    with db.transaction() as session:
        return next(n for n in db_compute_nodes.get_all(session) if n['host'] == host)


class Statements:
    """The SQL statements run on ``db`` (executemany counted once)."""

    def __init__(self, db):
        self.seen = []
        sa.event.listen(db.engine, 'before_cursor_execute', self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement.split()[0].upper() + ' ' + statement.split()[
            statement.split().index('FROM') + 1 if 'FROM' in statement.split() else 1])


class CountingCommits:
    def __init__(self, db):
        self.commits = 0
        sa.event.listen(db.engine, 'commit', self._count)

    def _count(self, conn):
        self.commits += 1


def test_first_beat_is_written_at_once_with_its_capacity(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    batcher.record(host='h1', binary=BINARY, topic='compute',
                   resources={'vcpus': 8, 'memory_mb': 1024, 'local_gb': 10})
    assert _services(db)['h1']['report_count'] == 1
    assert _node(db, 'h1')['vcpus'] == 8


def test_later_beats_of_many_hosts_are_one_transaction_per_flush(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    hosts = [f'h{i}' for i in range(50)]
    for host in hosts:
        batcher.record(host=host, binary=BINARY, topic='compute')
    before = _services(db)
    commits = CountingCommits(db)
    for _ in range(3):
        for host in hosts:
            batcher.record(host=host, binary=BINARY, topic='compute')
    assert commits.commits == 0
    assert _services(db)['h7']['report_count'] == 1     # nothing written yet
    commits.commits = 0
    assert batcher.flush() == 50
    assert commits.commits == 1
    after = _services(db)
    assert all(after[h]['report_count'] == 4 for h in hosts)
    assert all(after[h]['last_seen_up'] >= before[h]['last_seen_up'] for h in hosts)
    assert batcher.flush() == 0


def test_a_batched_capacity_report_reaches_the_node(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    batcher.record(host='h1', binary=BINARY, topic='compute',
                   resources={'vcpus': 8, 'memory_mb': 1024, 'local_gb': 10})
    batcher.record(host='h1', binary=BINARY, topic='compute',
                   resources={'vcpus': 16, 'memory_mb': 1024, 'local_gb': 10})
    batcher.record(host='h1', binary=BINARY, topic='compute')   # no report: kept
    batcher.flush()
    assert _node(db, 'h1')['vcpus'] == 16


def test_a_deleted_service_row_comes_back_on_the_next_flush(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    batcher.record(host='h1', binary=BINARY, topic='compute')
    with db.transaction() as session:
        db_services.service_delete(session, _services(db)['h1']['id'])
    batcher.record(host='h1', binary=BINARY, topic='compute')
    batcher.flush()
    assert _services(db)['h1']['report_count'] == 1


def test_a_failed_flush_keeps_its_beats_for_the_next(db, tmp_path):
    batcher = heartbeats.HeartbeatBatcher(db)
    batcher.record(host='h1', binary=BINARY, topic='compute')
    batcher.record(host='h1', binary=BINARY, topic='compute')
    batcher.db = db_session.Database(f'sqlite:///{tmp_path}/missing-dir/x.sqlite')
    with pytest.raises(sa.exc.OperationalError):
        batcher.flush()
    batcher.record(host='h1', binary=BINARY, topic='compute')
    batcher.db = db
    assert batcher.flush() == 1
    assert _services(db)['h1']['report_count'] == 3


def test_conductor_hands_beats_to_the_batcher(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    endpoint = conductor.ConductorEndpoint(db, heartbeats=batcher)
    ctx = cep_context.get_admin_context()
    endpoint.service_heartbeat(ctx, host='h1', binary=BINARY, topic='compute')
    endpoint.service_heartbeat(ctx, host='h1', binary=BINARY, topic='compute')
    assert _services(db)['h1']['report_count'] == 1
    batcher.flush()
    assert _services(db)['h1']['report_count'] == 2


def test_a_flush_of_known_services_is_one_update_and_no_select(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    for host in ('h1', 'h2', 'h3'):
        batcher.record(host=host, binary=BINARY, topic='compute')
        batcher.record(host=host, binary=BINARY, topic='compute')
    statements = Statements(db)
    assert batcher.flush() == 3
    assert statements.seen == ['UPDATE services']
    assert {h: s['report_count'] for h, s in _services(db).items()} == {
        'h1': 2, 'h2': 2, 'h3': 2}


def test_an_unchanged_capacity_report_is_one_select_and_no_update(db):
    resources = {'vcpus': 8, 'memory_mb': 1024, 'local_gb': 10, 'cpu_allocation_ratio': 16}
    batcher = heartbeats.HeartbeatBatcher(db)
    for host in ('h1', 'h2'):
        batcher.record(host=host, binary=BINARY, topic='compute', resources=resources)
        batcher.record(host=host, binary=BINARY, topic='compute', resources=resources)
    statements = Statements(db)
    batcher.flush()
    assert statements.seen == ['UPDATE services', 'SELECT compute_nodes']
    batcher.record(host='h2', binary=BINARY, topic='compute',
                   resources=dict(resources, vcpus=32))
    statements.seen.clear()
    batcher.flush()
    assert statements.seen == ['UPDATE services', 'SELECT compute_nodes',
                               'UPDATE compute_nodes']
    assert (_node(db, 'h1')['vcpus'], _node(db, 'h2')['vcpus']) == (8, 32)


def test_a_batched_report_of_a_host_without_a_node_creates_it(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    batcher.record(host='h1', binary=BINARY, topic='compute')      # no report: no node
    batcher.record(host='h1', binary=BINARY, topic='compute',
                   resources={'vcpus': 4, 'memory_mb': 512, 'local_gb': 1})
    batcher.flush()
    assert _node(db, 'h1')['vcpus'] == 4


def test_a_flush_with_a_deleted_service_keeps_the_others_counts(db):
    batcher = heartbeats.HeartbeatBatcher(db)
    for host in ('h1', 'h2'):
        batcher.record(host=host, binary=BINARY, topic='compute')
    with db.transaction() as session:
        db_services.service_delete(session, _services(db)['h1']['id'])
    for host in ('h1', 'h2'):
        batcher.record(host=host, binary=BINARY, topic='compute')
    batcher.flush()
    assert {h: s['report_count'] for h, s in _services(db).items()} == {'h1': 1, 'h2': 2}
