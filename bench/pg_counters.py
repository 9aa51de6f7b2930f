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

#: The pg_stat_database counters read (the scale bench's idle and storm figures use them too).
COUNTERS = ('xact_commit', 'xact_rollback', 'tup_returned', 'tup_fetched', 'tup_inserted',
            'tup_updated', 'tup_deleted')
#: How long the run's server processes must be idle before their counters are all in.
SETTLE_SECONDS = 11.0
#: Above this many rows fetched per reboot the table line says the plans look wrong.
ROWS_FETCHED_WARNING = 200


def database_url(database):
    """libpq's URL of a throw-away ``database`` (tests/fixtures/processes.py)."""
    return database.url.replace('postgresql+psycopg://', 'postgresql://')


def read(database):
    """``{counter: value}`` of ``database`` as PostgreSQL has them now."""
    import psycopg  # here: the arithmetic and the report need no driver (unit tests)

    from tests.fixtures import processes
    with psycopg.connect(processes.PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute(f'SELECT {", ".join(COUNTERS)} FROM pg_stat_database '
                           'WHERE datname = %s', (database.name,)).fetchone()
    return dict(zip(COUNTERS, row, strict=True))


def snapshot(database, *, settle=SETTLE_SECONDS):
    """``read(database)`` once its processes' figures are in."""
    time.sleep(settle)
    return read(database)


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


def analyze(database):
    """Gather the planner's statistics of every table, as autovacuum does on a deployment
    within a minute or so of a burst of inserts.

    Without them PostgreSQL takes a freshly filled ``instances`` table for a tiny one: it
    estimates one row for every index and may run a reboot's compare-and-swap through
    ``(project_id, deleted)`` or ``(host, deleted)``, reading every instance of the project
    or host, instead of through the uuid's unique index."""
    import psycopg
    with psycopg.connect(database_url(database), autocommit=True) as conn:
        conn.execute('ANALYZE')
