"""Whether a database error left its connection unusable: SQLAlchemy's own test, and libpq's.

SQLAlchemy's psycopg dialect calls a connection lost only when psycopg has marked it
closed or broken. psycopg can also give up while libpq still waits for a statement's
answer: its poll saw the socket fail with no data to read, and it raised "connection
socket closed" (seen once under load, with the server ending the session under a
statement). libpq then still counts the statement as running, so the connection is
neither closed nor broken, and the transaction's rollback fails with "another command is
already in progress", replacing the first error. A libpq connection that is not OK, or
still busy with a statement after the error, can never finish its transaction: it is
lost as surely as a closed one. Counting it so lets SQLAlchemy invalidate it, mark the
error ``connection_invalidated`` (the api answers a database outage) and skip the
rollback. Prebuilt statements (api/db/prebuilt.py) ask ``is_lost`` directly; ``install``
makes SQLAlchemy's own statements ask it too.
"""

from sqlalchemy import event


def is_lost(dialect, exc, dbapi_conn, cursor):
    """Whether ``exc``, raised on ``dbapi_conn``, left that connection unusable."""
    return (dialect.is_disconnect(exc, dbapi_conn, cursor)
            or _libpq_stuck(dbapi_conn))


def _libpq_stuck(dbapi_conn):
    pgconn = getattr(dbapi_conn, 'pgconn', None)
    if pgconn is None:
        return False        # not psycopg's: no libpq to ask
    # psycopg is an extra (cepheid[postgresql]): imported only once one of its
    # connections is in use, as in api/db/prebuilt.py.
    from psycopg import pq
    return (pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status == pq.TransactionStatus.ACTIVE)


def install(engine):
    """Make ``engine``'s own statements count a stuck libpq connection as lost."""

    @event.listens_for(engine, 'handle_error')
    def _stuck_is_lost(context):
        conn = context.connection
        if context.is_disconnect or conn is None or conn.closed or conn.invalidated:
            return              # (asking a closed or invalidated one would reconnect it)
        if _libpq_stuck(conn.connection.dbapi_connection):
            context.is_disconnect = True
