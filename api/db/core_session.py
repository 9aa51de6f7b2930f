"""A transaction on one Core connection that stands in for an ORM Session on hot paths.

The conductor's steps and the api's guarded CAS run prebuilt Core statements only
(``session.connection().execute``), so an ORM Session per transaction (its identity map,
state machine and flush) is pure overhead there. ``CoreSession`` offers what those
statements use of a Session — ``connection()``, ``get_bind()``, ``info`` — and opens a
real Session on the same connection, inside the same transaction, the first time
anything else is asked of it (a rare path that adds ORM rows or runs ORM queries), so
every db function works unchanged in either kind of transaction.
"""

from sqlalchemy import orm


class CoreSession:
    """The Session-like view of ``connection``'s transaction (see the module docstring)."""

    #: run a step's writes as one statement (api/db/fused_steps.py); set by the Database
    fused_steps = False

    def __init__(self, connection):
        self._connection = connection
        self._orm = None
        self.info = {}

    def connection(self):
        return self._connection

    def get_bind(self):
        return self._connection

    def _session(self):
        if self._orm is None:
            # Joins the connection's transaction: it never commits it (nor does closing
            # the Session end it); a failed flush rolls it back, as in a Session's own.
            self._orm = orm.Session(bind=self._connection, expire_on_commit=False,
                                    join_transaction_mode='rollback_only')
        return self._orm

    def __getattr__(self, name):
        return getattr(self._session(), name)

    def flush_orm(self):
        """Write what the ORM Session (if one was opened) still holds, before commit."""
        if self._orm is not None:
            self._orm.flush()

    def close(self):
        if self._orm is not None:
            self._orm.close()
            self._orm = None
