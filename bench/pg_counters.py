"""What the run's own PostgreSQL database did per reboot: transactions and rows.

Read from ``pg_stat_database`` before and after a measured run. A server process
publishes its counters when it goes idle, at most once a second; one that published less
than a second ago waits for its idle timeout (10 s on PostgreSQL 15) before it publishes
again. So a snapshot is read only once the run's processes have been idle for longer
(``SETTLE_SECONDS``): a figure read sooner would miss the run's last second.

``rows_fetched_per_reboot`` is the figure that tells a good plan from a bad one: a
reboot's statements each touch one instance by its uuid, so it stays in the tens. When
it is in the thousands, a statement read a whole index (the planner chose it on missing
statistics: see ``analyze``).
"""

import time

import sqlalchemy as sa

#: How long the run's server processes must be idle before their counters are all in.
SETTLE_SECONDS = 11.0
#: Above this many rows fetched per reboot the table line says the plans look wrong.
ROWS_FETCHED_WARNING = 200
_COUNTERS = ('xact_commit', 'xact_rollback', 'tup_fetched', 'tup_returned')


def snapshot(engine, database, *, settle=SETTLE_SECONDS):
    """``{counter: value}`` of ``database`` once its processes' figures are in."""
    if settle:
        time.sleep(settle)
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            f'SELECT {", ".join(_COUNTERS)} FROM pg_stat_database WHERE datname = :db'),
            {'db': database}).one()
    return dict(zip(_COUNTERS, row, strict=True))


def per_reboot(before, after, reboots):
    """The counters' growth between two snapshots, per reboot."""
    if not reboots:
        return {}
    return {'commits_per_reboot': _rate(before, after, 'xact_commit', reboots),
            'rollbacks_per_reboot': _rate(before, after, 'xact_rollback', reboots),
            'rows_fetched_per_reboot': _rate(before, after, 'tup_fetched', reboots),
            'rows_returned_per_reboot': _rate(before, after, 'tup_returned', reboots)}


def _rate(before, after, name, reboots):
    return round((after[name] - before[name]) / reboots, 2)


def analyze(engine):
    """Gather the planner's statistics of every table, as autovacuum does on a deployment
    within a minute or so of a burst of inserts.

    Without them PostgreSQL takes a freshly filled ``instances`` table for a tiny one: it
    estimates one row for every index and may run a reboot's compare-and-swap through
    ``(project_id, deleted)`` or ``(host, deleted)``, reading every instance of the project
    or host, instead of through the uuid's unique index."""
    with engine.connect() as conn:
        conn.execute(sa.text('ANALYZE'))
        conn.commit()
