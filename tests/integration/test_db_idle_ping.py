"""The pool's checkout ping on the real PostgreSQL and MariaDB (api/db/idle_ping.py): a
connection the server closed while it sat idle is replaced without the caller seeing an
error; one back from the pool at once is not pinged (no extra round trip)."""

import pytest
import sqlalchemy as sa

from cepheid.api.db import idle_ping
from cepheid.api.db import session as db_session
from tests.fixtures import processes

pytestmark = pytest.mark.integration

BACKEND_ID = {'postgresql': 'SELECT pg_backend_pid()', 'mysql': 'SELECT CONNECTION_ID()'}
KILL = {'postgresql': 'SELECT pg_terminate_backend({})', 'mysql': 'KILL {}'}


@pytest.fixture(params=['postgresql', 'mariadb'])
def engine(request):
    made = (processes.PostgresDatabase() if request.param == 'postgresql'
            else processes.MariaDBDatabase())
    engine = db_session.create_engine(made.url, {'pool_size': 1, 'max_overflow': 0})
    yield engine
    engine.dispose()
    made.drop()


def _backend(conn):
    return conn.execute(sa.text(BACKEND_ID[conn.dialect.name])).scalar()


def _statements(engine):
    seen = []
    sa.event.listen(engine, 'before_cursor_execute',
                    lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def _kill(url, backend, dialect):
    other = sa.create_engine(url, poolclass=sa.pool.NullPool,
                             isolation_level='AUTOCOMMIT')
    with other.connect() as conn:
        conn.execute(sa.text(KILL[dialect].format(int(backend))))
    other.dispose()


def test_a_connection_closed_while_idle_is_replaced_unseen(engine, monkeypatch):
    with engine.connect() as conn:
        first = _backend(conn)
    _kill(engine.url.render_as_string(hide_password=False), first, engine.dialect.name)
    # As if it had sat in the pool past the idle time.
    monkeypatch.setattr(idle_ping.time, 'monotonic',
                        lambda real=idle_ping.time.monotonic: real() + 60)
    with engine.connect() as conn:
        assert conn.execute(sa.text('SELECT 1')).scalar() == 1
        assert _backend(conn) != first


def _counted_pings(engine, monkeypatch):
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, 'do_ping',
                        lambda dbapi_conn: pings.append(1) or ping(dbapi_conn))
    return pings


def test_a_connection_back_at_once_is_not_pinged(engine, monkeypatch):
    with engine.connect() as conn:
        conn.execute(sa.text('SELECT 1'))
    pings = _counted_pings(engine, monkeypatch)
    seen = _statements(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text('SELECT 2')).scalar() == 2
    assert (pings, seen) == ([], ['SELECT 2'])


def test_a_connection_idle_past_the_time_is_pinged_once(engine, monkeypatch):
    with engine.connect() as conn:
        first = _backend(conn)
    pings = _counted_pings(engine, monkeypatch)
    monkeypatch.setattr(idle_ping.time, 'monotonic',
                        lambda real=idle_ping.time.monotonic: real() + 60)
    with engine.connect() as conn:
        assert _backend(conn) == first
    assert pings == [1]
