"""Ping a pooled database connection at checkout only when it sat idle in the pool.

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every checkout: on a busy api that
is a round trip, and a commit of its own, for every transaction (about half of the
database's commits per reboot in the scale storm, docs/scale.md). A connection checked
in less than ``idle_seconds`` ago was working a moment before; one that sat longer may
have been closed by the server, a proxy or a restart meanwhile, and is pinged as before
(the dialect's own ping). A ping that finds the connection gone raises
``DisconnectionError``: the pool discards it and checks out another, so the caller
still never sees a stale connection after an idle spell. One used again within
``idle_seconds`` of a server restart fails its statement instead; SQLAlchemy then
invalidates the pool's older connections, and the api answers that request as a
database outage (503, or a requeued step).
"""

import time

import sqlalchemy as sa
from sqlalchemy import event

from cepheid.api.db import lost_connection

#: How long a connection may sit in the pool and still be used without a ping.
IDLE_SECONDS = 1.0
_CHECKED_IN = 'cepheid_checked_in'


def install(engine, idle_seconds=IDLE_SECONDS):
    """Ping ``engine``'s connections at checkout after ``idle_seconds`` in the pool."""
    dialect = engine.dialect

    @event.listens_for(engine, 'checkin')
    def _checked_in(dbapi_connection, record):
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, 'checkout')
    def _checked_out(dbapi_connection, record, proxy):
        checked_in = record.info.pop(_CHECKED_IN, None)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return          # just connected, or working a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if lost_connection.is_lost(dialect, exc, dbapi_connection, None):
                raise sa.exc.DisconnectionError(str(exc)) from exc
            raise
