"""Prebuilt statements run on the driver's cursor: the hot paths' SQL compiled once.

A reboot's transactions run the same dozen Core statements, built once (instance_cas,
actions, outbox, fused_steps). ``Connection.execute`` still pays for each run: the
compiled-cache lookup, an execution context, the parameters processed one by one,
a cursor result and its row objects, about 35 µs of CPU per statement over what the
driver itself costs on a quiet core, and three times that inside a busy api process.

``execute(conn, stmt, params)`` compiles ``stmt`` once per dialect with SQLAlchemy (the SQL,
the order of its parameters, each type's bind and result processor, the defaults of its
literal values) and then runs it on the DBAPI cursor of ``conn``'s connection, inside the
transaction SQLAlchemy began on it. What it keeps of a Core execution:
- the same SQL and the same type conversions, so rows and stored values are the same;
- ``before_cursor_execute`` listeners are called (statement counters, tests; nothing here
  listens to ``after_cursor_execute``, which is not);
- a driver error becomes SQLAlchemy's exception class for it (``OperationalError``...), and
  a lost connection is invalidated as SQLAlchemy would.
It returns a ``Rows`` answering what the callers use of a ``CursorResult``. An engine made
with the execution option ``PREBUILT: False`` (``[database] prebuilt_statements = false``)
runs them through ``Connection.execute`` instead.

A statement run with ``alone=True`` writes all or nothing by itself (a step's fused
statement, a lone compare-and-swap). When it is the first statement of a transaction
that lets it commit on its own (``ALONE``, set by
``Database.core_transaction(alone=True)``: nothing the caller runs after it would have
to undo it), it is sent, on psycopg, in autocommit: one round trip instead of three
(psycopg's ``BEGIN``, the statement, the ``COMMIT``). Only the transaction's first
prebuilt statement may, and only if nothing was sent before it; any statement after it
runs in a transaction of its own, which psycopg begins as usual and SQLAlchemy commits
at the end (a ``COMMIT`` with nothing begun sends nothing).
"""

import weakref

import sqlalchemy as sa

from cepheid.api.db import lost_connection

#: engine execution option: False runs prebuilt statements through Connection.execute
PREBUILT = 'cepheid_prebuilt'
#: connection execution option: the transaction's first statement may commit on its own
ALONE = 'cepheid_first_statement_alone'

# dialect (one per engine: its server's version may change the SQL) -> statement -> _Plan
_PLANS = weakref.WeakKeyDictionary()
_REQUIRED = object()    # a bound parameter with no default: the caller must give it


class _Plan:
    """``stmt`` compiled for ``dialect``: the SQL, and how to turn params into its
    arguments and its rows into Python values."""

    def __init__(self, stmt, dialect):
        compiled = stmt.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.bind_names):
            raise ValueError('a prebuilt statement has no expanding (IN) parameters')
        if '__[POSTCOMPILE_' in compiled.string:     # a literal rendered late (LIMIT 1)
            compiled = stmt.compile(dialect=dialect,
                                    compile_kwargs={'render_postcompile': True})
        self.sql = compiled.string
        processors, defaults = {}, {}
        for bind, name in compiled.bind_names.items():
            processors[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if not bind.required:
                defaults[name] = bind.effective_value
        names = compiled.positiontup if compiled.positional else list(processors)
        self.binds = tuple((name, defaults.get(name, _REQUIRED), processors[name])
                           for name in names)
        self.positional = compiled.positional
        self.escaped = dict(compiled.escaped_bind_names)
        returning = compiled.effective_returning if compiled.isinsert else None
        self.implicit_key = bool(returning) and not stmt.exported_columns
        columns = list(stmt.exported_columns) or list(returning or ())
        self.returns_rows = bool(columns)   # (a cursor's description costs, on psycopg)
        self.keys = tuple(column.key for column in columns)
        self.results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in columns)
        if not any(self.results):
            self.results = None

    def arguments(self, params):
        values = []
        for name, default, process in self.binds:
            value = params.get(name, default)
            if value is _REQUIRED:
                raise sa.exc.ArgumentError(f'A value is required for bind parameter {name!r}')
            values.append(process(value) if process is not None else value)
        if self.positional:
            return tuple(values)
        return {self.escaped.get(name, name): value
                for (name, _, _), value in zip(self.binds, values, strict=True)}

    def row(self, raw):
        if self.results is None:
            return tuple(raw)
        return tuple(value if process is None else process(value)
                     for process, value in zip(self.results, raw, strict=True))


def plan(stmt, dialect):
    """``stmt``'s plan for ``dialect``, compiled on first use (two threads may both
    compile it: the same plan either way)."""
    plans = _PLANS.get(dialect)
    if plans is None:
        plans = _PLANS.setdefault(dialect, {})
    built = plans.get(stmt)
    if built is None:
        built = plans[stmt] = _Plan(stmt, dialect)
    return built


def enabled(conn):
    return conn.get_execution_options().get(PREBUILT, True)


def _goes_alone(conn, dbapi_conn, alone):
    """Whether this first statement of a transaction that lets it commit on its own
    (``ALONE``, set only on psycopg connections: ``Database.alone``) does: one that may
    (``alone``), with nothing begun. The option is spent either way: only the first
    statement may."""
    conn.execution_options(**{ALONE: False})
    if not alone:
        return False
    # psycopg is an extra (cepheid[postgresql]): imported only once one of its connections
    # is in use.
    from psycopg import pq
    return dbapi_conn.info.transaction_status == pq.TransactionStatus.IDLE


def _end_alone(conn, dbapi_conn, dialect):
    """Back out of autocommit. A connection that cannot (only a broken one) is dropped
    from the pool, never handed out again in autocommit."""
    try:
        dbapi_conn.autocommit = False
    except dialect.loaded_dbapi.Error as exc:
        conn.invalidate(exc)


def execute(conn, stmt, params, *, alone=False):
    """Run the prebuilt ``stmt`` with ``params`` in ``conn``'s transaction (see the
    module docstring); a ``Rows``, or the CursorResult when prebuilt runs are off.
    ``alone``: ``stmt`` writes all or nothing by itself, and may commit on its own as
    its transaction's first statement."""
    options = conn.get_execution_options()
    if not options.get(PREBUILT, True):
        return conn.execute(stmt, params)
    dialect = conn.dialect
    built = plan(stmt, dialect)
    args = built.arguments(params)
    dbapi_conn = conn.connection.dbapi_connection
    alone = options.get(ALONE, False) and _goes_alone(conn, dbapi_conn, alone)
    cursor = dbapi_conn.cursor()
    try:
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, built.sql, args, None, False)
        if alone:
            dbapi_conn.autocommit = True
            try:
                cursor.execute(built.sql, args)
            finally:
                _end_alone(conn, dbapi_conn, dialect)
        else:
            cursor.execute(built.sql, args)
        raw = cursor.fetchall() if built.returns_rows else ()
        rows = Rows(built, [built.row(r) for r in raw], cursor.rowcount,
                    getattr(cursor, 'lastrowid', None))    # psycopg has none
    except dialect.loaded_dbapi.Error as exc:
        lost = lost_connection.is_lost(dialect, exc, dbapi_conn, cursor)
        if lost:
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            built.sql, args, exc, dialect.loaded_dbapi.Error,
            connection_invalidated=lost, dialect=dialect) from exc
    finally:
        cursor.close()
    return rows


class _Fetched:
    """Rows already fetched: ``all()`` and ``first()``, as a Result's."""

    def __init__(self, rows):
        self._rows = rows

    def all(self):
        return self._rows

    def first(self):
        return self._rows[0] if self._rows else None


class Rows(_Fetched):
    """What the hot paths use of a CursorResult, over rows already fetched."""

    def __init__(self, built, rows, rowcount, lastrowid):
        super().__init__(rows)
        self._built, self.rowcount, self._lastrowid = built, rowcount, lastrowid

    def scalar(self):
        return self._rows[0][0] if self._rows else None

    def mappings(self):
        return _Mappings([dict(zip(self._built.keys, row, strict=True)) for row in self._rows])

    @property
    def inserted_primary_key(self):
        """The new row's key: RETURNED where the dialect returns it, else the cursor's."""
        if self._built.implicit_key:
            return self._rows[0]
        return (self._lastrowid,)


class _Mappings(_Fetched):
    """The rows as dicts keyed by column, as ``Result.mappings()``."""

    def one(self):
        if not self._rows:
            raise sa.exc.NoResultFound('No row was found when one was required')
        if len(self._rows) > 1:
            raise sa.exc.MultipleResultsFound('Multiple rows were found when one was required')
        return self._rows[0]

    def __iter__(self):
        return iter(self._rows)
