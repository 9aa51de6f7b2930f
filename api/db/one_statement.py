"""A step that writes in one statement runs in autocommit: no BEGIN and COMMIT round trips.

psycopg opens a transaction with a ``BEGIN`` of its own before the first statement and
ends it with a ``COMMIT``: two round trips around a step that PostgreSQL runs as one
statement anyway (api/db/fused_steps.py). A statement in autocommit is its own
transaction, as atomic and as durable, so a step that writes only that statement loses
nothing by it. ``run(database, fn)`` calls ``fn(session)`` on an autocommit session when
the database has them (``Database.autocommit_steps``: PostgreSQL with fused steps and
``[database] autocommit_steps``); a step that would write a second statement (the
general path after a fused statement wrote nothing) calls ``require_transaction`` first,
which stops the autocommit attempt, and ``fn`` runs again in a transaction. Reads may
follow the write in autocommit: they change nothing. The commit callbacks run after
either, as after any ``core_transaction``.
"""


class NeedsTransaction(Exception):
    """Raised in an autocommit session before a write that must commit with others;
    nothing was written (the caller runs the step again in a transaction)."""


def run(database, fn):
    """``fn(session)`` in autocommit when the database has it and ``fn`` writes one
    statement; otherwise (or when ``fn`` says so) in a transaction."""
    if database.autocommit_steps:
        try:
            with database.core_transaction(autocommit=True) as session:
                return fn(session)
        except NeedsTransaction:
            pass
    with database.core_transaction() as session:
        return fn(session)


def require_transaction(session):
    """Before a write that must commit with others: refuse an autocommit ``session``."""
    if getattr(session, 'autocommit', False):
        raise NeedsTransaction()
