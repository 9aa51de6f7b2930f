"""Engine and transactions: one Database per api process, SQLite in WAL mode or PostgreSQL/MySQL."""

import contextlib

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

from cepheid.api.db import core_session
from cepheid.api.db import idle_ping
from cepheid.api.db import lost_connection
from cepheid.api.db import prebuilt as db_prebuilt


def _sqlite_pragmas(dbapi_conn, _record):
    cursor = dbapi_conn.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA busy_timeout=10000')
    cursor.close()


def create_engine(url, pool=None, *, prebuilt=True):
    """An engine for ``url``; SQLite gets WAL, a busy timeout and a shared in-memory pool.
    ``pool``: the queue pool's ``pool_size``/``max_overflow``/``pool_timeout`` (see
    ``pool_options``); an in-memory SQLite database keeps its single static connection.
    ``prebuilt``: the hot paths' statements run on the driver's cursor (api/db/prebuilt.py)."""
    kwargs = {'execution_options': {db_prebuilt.PREBUILT: prebuilt}}
    if url.startswith('sqlite'):
        kwargs['connect_args'] = {'check_same_thread': False}
        if url in ('sqlite://', 'sqlite:///:memory:'):
            kwargs['poolclass'] = sa.pool.StaticPool
            pool = None
    kwargs.update(pool or {})
    if sa.engine.make_url(url).get_backend_name() in ('mysql', 'mariadb'):
        # As on PostgreSQL: a re-read after a missed CAS sees the latest committed row,
        # not the snapshot of REPEATABLE READ; 4-byte UTF-8 (emoji) in every string.
        kwargs['isolation_level'] = 'READ COMMITTED'
        kwargs.setdefault('connect_args', {})['charset'] = 'utf8mb4'
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == 'sqlite':
        event.listen(engine, 'connect', _sqlite_pragmas)
    else:
        idle_ping.install(engine)
        lost_connection.install(engine)
    return engine


# The api's background tasks that hold a connection at times: the outbox sender, the
# watchdog, the heartbeat flush and the dashboard feed.
BACKGROUND_THREADS = 4


def pool_options(conf, url=None):
    """The engine's pool arguments from ``[database]`` for ``url`` (default: ``[database]
    connection``). ``max_pool_size`` unset means one connection per thread that writes
    (``[api] threads``, ``[api] steps_consumer_threads``, ``[api] conductor_threads`` and
    the background tasks), so a busy process reuses its connections instead of opening
    and closing overflow ones; the pool opens a connection only when every open one is in
    use, so an idle thread costs none.

    On SQLite, unset means one connection and no overflow: SQLite runs one writer at a
    time, a second connection's writer only waits in SQLite's busy handler (sleeping 1 ms
    and more per try), and every commit through another connection empties this one's
    page cache. Threads take turns in the pool instead (``pool_timeout``)."""
    size, overflow = conf.database.max_pool_size, conf.database.max_overflow
    if size is None:
        url = conf.database.connection if url is None else url
        if url and sa.engine.make_url(url).get_backend_name() == 'sqlite':
            size, overflow = 1, 0
        else:
            size = (conf.api.threads + conf.api.steps_consumer_threads
                    + conf.api.conductor_threads + BACKGROUND_THREADS)
    return {'pool_size': size, 'max_overflow': overflow,
            'pool_timeout': conf.database.pool_timeout}


class Database:
    """Holds the engine; ``transaction()`` yields a session committed once at the end,
    ``core_transaction()`` the same on a Core connection (api/db/core_session.py)."""

    def __init__(self, url, pool=None, *, fused_steps=True, prebuilt=True, alone=True):
        self.url = url
        self.engine = create_engine(url, pool, prebuilt=prebuilt)
        # A step's writes as one statement (api/db/fused_steps.py): PostgreSQL only.
        self.fused_steps = fused_steps and self.engine.dialect.name == 'postgresql'
        # A transaction's first statement in autocommit (core_transaction): psycopg only.
        self.alone = alone and prebuilt and self.engine.dialect.driver == 'psycopg'
        self._sessionmaker = orm.sessionmaker(self.engine, expire_on_commit=False)
        self._commit_callbacks = []

    @contextlib.contextmanager
    def transaction(self):
        with self._sessionmaker() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def core_transaction(self, *, alone=False):
        """A transaction for prebuilt Core statements (the hot paths): committed once at
        the end, then the ``on_commit`` callbacks run as for a Session's commit.

        ``alone``: nothing the caller runs after its first statement would have to undo
        it. If that statement is one that writes all or nothing (a step's fused
        statement, a lone compare-and-swap), on psycopg it commits on its own, one round
        trip instead of three, and the rest, if any, runs in a transaction of its own
        (api/db/prebuilt.py)."""
        with self.engine.connect() as conn:
            if alone and self.alone:
                conn.execution_options(**{db_prebuilt.ALONE: True})
            session = core_session.CoreSession(conn)
            session.fused_steps = self.fused_steps
            try:
                with conn.begin():
                    yield session
                    session.flush_orm()
            finally:
                session.close()
        for callback in self._commit_callbacks:
            callback(session)

    def on_commit(self, callback):
        """Call ``callback(session)`` after every commit of this database's transactions."""
        event.listen(self._sessionmaker, 'after_commit', callback)
        self._commit_callbacks.append(callback)

    def dispose(self):
        self.engine.dispose()


def insert_returning(session, stmt, table):
    """Execute the INSERT ``stmt`` into ``table``; the inserted row as a dict. INSERT …
    RETURNING where the dialect has it (MariaDB ≥ 10.5 does), else INSERT then SELECT by
    the new primary key (MySQL)."""
    conn = session.connection()
    if conn.dialect.insert_returning:
        return dict(conn.execute(stmt.returning(*table.c)).mappings().one())
    key = conn.execute(stmt).inserted_primary_key
    pk = dict(zip((c.name for c in table.primary_key.columns), key, strict=True))
    where = [table.c[name] == value for name, value in pk.items()]
    return dict(conn.execute(sa.select(*table.c).where(*where)).mappings().one())


def older_than(model, marker_row):
    """Rows after ``marker_row`` in newest-first order (created_at, then id, descending)."""
    return sa.or_(model.created_at < marker_row.created_at,
                  sa.and_(model.created_at == marker_row.created_at,
                          model.id < marker_row.id))


def row_to_dict(row):
    """Every mapped column of ``row`` as a dict keyed by attribute name."""
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(row).mapper.column_attrs}
