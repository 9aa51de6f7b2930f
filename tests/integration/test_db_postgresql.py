"""The same database contract on the real PostgreSQL."""

import functools

import psycopg
import pytest
import sqlalchemy as sa

from cepheid.api import observed_conductor
from cepheid.api import outbox
from cepheid.api.db import instance_cas
from cepheid.api.db import migration
from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.api.db import store as db_store
from cepheid.common import context as cep_context
from cepheid.compute import rpcapi as compute_rpcapi
from tests.fixtures import db_contract
from tests.fixtures import pg_wire
from tests.fixtures import prebuilt_contract
from tests.fixtures import processes
from tests.fixtures import steps_contract

pytestmark = pytest.mark.integration


def _migrated(**options):
    """A migrated Database (``options``: its keyword arguments) on a throw-away
    PostgreSQL database, dropped afterwards: a fixture's body."""
    with _throwaway(**options) as database:
        yield database


_throwaway = functools.partial(pg_wire.migrated, pool=None)   # the default pool


def _next_transaction_swaps(database, inst, expected_task_state):
    """The instance's row after a CAS to ``task_state`` None in a new transaction: the
    pool hands out a working connection after a lost one."""
    with database.core_transaction() as session:
        return instance_cas.swap(session.connection(), inst['uuid'], {'task_state': None},
                                 expected_task_state=expected_task_state)


class TestPostgreSQL(db_contract.DatabaseContract, steps_contract.StepsContract,
                     prebuilt_contract.PrebuiltContract):
    @pytest.fixture
    def database(self):
        yield from _migrated()


class TestPostgreSQLStepsOneByOne(steps_contract.StepsContract):
    """The same steps with ``[database] fused_steps = false``: the general path."""

    @pytest.fixture
    def database(self):
        yield from _migrated(fused_steps=False)


class TestPostgreSQLStepsAlone(steps_contract.StepsAloneContract):
    """The steps contract, each step a batch of one, on PostgreSQL."""

    @pytest.fixture
    def database(self):
        yield from _migrated()


def _statements(database):
    seen = []
    sa.event.listen(database.engine, 'before_cursor_execute',
                    lambda conn, cursor, statement, *args: seen.append(statement.split()[0]))
    return seen


@pytest.mark.parametrize('fused, begin, end', [(True, ['WITH'], ['WITH']),
                                               (False, ['UPDATE', 'SELECT', 'INSERT',
                                                        'UPDATE'],
                                                ['UPDATE', 'UPDATE', 'UPDATE'])])
def test_a_begin_and_an_end_are_one_statement_each(fused, begin, end):
    """What the statements cost: one round trip each, against four and three (the
    general begin touches, and so locks, its action first: api/db/actions.py
    event_begin)."""
    pg = processes.PostgresDatabase()
    database = db_session.Database(pg.url, fused_steps=fused)
    try:
        migration.db_sync(database)
        inst = db_contract.make_instance(database, task_state='rebooting')
        ctx = db_contract.reboot_context(database, inst['uuid'])
        endpoint = observed_conductor.ObservedConductorEndpoint(database)
        seen = _statements(database)
        begun = endpoint.begin(ctx, host='h1', instance_uuid=inst['uuid'],
                               event=steps_contract.EVENT, values=steps_contract.PENDING,
                               expected_task_state=['rebooting'])
        assert seen == begin
        del seen[:]
        assert steps_contract.end(endpoint, ctx, inst['uuid'], begun) is True
        assert seen == end
    finally:
        database.dispose()
        pg.drop()


def _built_cast(instance):
    """A cast built only from the instance the CAS returns."""
    return compute_rpcapi.reboot_instance(instance, 'SOFT')


@pytest.mark.parametrize('fused, cast, statements', [
    (True, _built_cast, ['WITH', 'INSERT']),
    (False, _built_cast, ['UPDATE', 'INSERT', 'INSERT']),
    (True, compute_rpcapi.reboot_cast('SOFT'), ['WITH']),
    (False, compute_rpcapi.reboot_cast('SOFT'), ['UPDATE', 'INSERT', 'INSERT'])])
def test_a_rest_action_writes_its_cas_and_action_as_one_statement(fused, cast, statements):
    """The CAS and the instance action in one statement; a cast built from the row the CAS
    returns after it, one known before the row (an InstanceCast) in it."""
    pg = processes.PostgresDatabase()
    database = db_session.Database(pg.url, fused_steps=fused)
    try:
        migration.db_sync(database)
        inst = db_contract.make_instance(database, launched_at=models.utcnow())
        ctx = cep_context.RequestContext(project_id='p', user_id='u', roles=['member'])
        store = db_store.InstanceStore(database, service_down_time=60,
                                       outbox=outbox.Outbox(database, None))
        seen = _statements(database)
        assert store.begin_owned_task(
            ctx, inst['uuid'], values={'task_state': 'rebooting'}, expected_task_state=[None],
            expected_vm_state=['active'], unlocked=True, launched=True, action='reboot',
            cast=cast)
        assert seen == statements
    finally:
        database.dispose()
        pg.drop()


def test_a_lost_connection_under_a_prebuilt_statement_is_invalidated():
    """The server ends the session under a prebuilt statement: SQLAlchemy's
    OperationalError, marked as a lost connection (the api answers 503), and the pool
    drops that connection, so the next transaction gets a working one."""
    with _throwaway() as database:
        inst = db_contract.make_instance(database, task_state='rebooting')
        with pytest.raises(sa.exc.OperationalError) as raised:
            with database.core_transaction() as session:
                conn = session.connection()
                pid = conn.exec_driver_sql('SELECT pg_backend_pid()').scalar()
                with sa.create_engine(database.engine.url).connect() as killer:
                    killer.exec_driver_sql(f'SELECT pg_terminate_backend({pid})')
                instance_cas.swap(conn, inst['uuid'], {'task_state': None},
                                  expected_task_state=['rebooting'])
        assert raised.value.connection_invalidated
        assert _next_transaction_swaps(database, inst, ['rebooting'])['task_state'] is None


def _socket_reported_closed_once(monkeypatch):
    """psycopg's next wait sends its statement, then raises "connection socket closed"
    as its poll does when the socket reports an error and no data: libpq still counts
    the statement as running (its status OK, its transaction ACTIVE), so neither
    ``closed`` nor ``broken`` is set. Seen once in a rehearsal, under load, with the
    backend killed under the statement. Returns the list the fault appends to when
    it fires."""
    real_wait = psycopg.waiting.wait
    fired = []

    def wait(gen, fileno, *args, **kwargs):
        if fired:
            return real_wait(gen, fileno, *args, **kwargs)
        fired.append(next(gen))         # the statement is sent; libpq waits for it
        gen.close()
        raise psycopg.OperationalError('connection socket closed')

    monkeypatch.setattr(psycopg.waiting, 'wait', wait)
    return fired


@pytest.mark.parametrize('prebuilt, at', [(True, 'statement'), (False, 'statement'),
                                          (True, 'commit')],
                         ids=['prebuilt', 'sqlalchemy', 'commit'])
def test_a_socket_reported_closed_mid_statement_is_a_lost_connection(monkeypatch, prebuilt,
                                                                     at):
    """psycopg says the socket closed while libpq still waits for the answer to a
    statement or to the commit: the error is the OperationalError marked as a lost
    connection (not the rollback's "another command is already in progress"), and the
    next transaction gets a working connection. Both ways a statement runs (prebuilt and
    SQLAlchemy's own), and the commit."""
    with _throwaway(prebuilt=prebuilt) as database:
        inst = db_contract.make_instance(database, task_state='rebooting')
        with pytest.raises(sa.exc.OperationalError) as raised:
            with database.core_transaction() as session:
                conn = session.connection()
                conn.exec_driver_sql('SELECT 1')
                if at == 'statement':
                    fired = _socket_reported_closed_once(monkeypatch)
                instance_cas.swap(conn, inst['uuid'], {'task_state': None},
                                  expected_task_state=['rebooting'])
                if at == 'commit':
                    fired = _socket_reported_closed_once(monkeypatch)
        monkeypatch.undo()
        assert fired, 'the fault was not injected'
        assert 'connection socket closed' in str(raised.value)
        assert raised.value.connection_invalidated
        # The statement's transaction went with its connection; the COMMIT reached the
        # server before its answer was lost (as a real lost answer may have).
        left = ['rebooting'] if at == 'statement' else [None]
        assert _next_transaction_swaps(database, inst, left)['task_state'] is None
