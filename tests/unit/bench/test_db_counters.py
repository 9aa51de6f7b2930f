"""The split runs' database figures: commits and rows per reboot from two pg_stat_database
snapshots, and the table's line, which says so when a reboot read far more rows than a
plan through the uuid's index would; and the medians of a run's two phases from the api's
own timestamps."""

import datetime

from bench import action_phases
from bench import pg_counters
from bench import report

BEFORE = {'xact_commit': 1000, 'xact_rollback': 4, 'tup_fetched': 20000,
          'tup_returned': 50000}


def _after(commits, fetched, returned):
    return {'xact_commit': 1000 + commits, 'xact_rollback': 4, 'tup_fetched': 20000 + fetched,
            'tup_returned': 50000 + returned}


def test_the_counters_grow_per_reboot():
    figures = pg_counters.per_reboot(BEFORE, _after(1640, 42510, 59810), 1000)
    assert figures == {'commits_per_reboot': 1.64, 'rollbacks_per_reboot': 0.0,
                       'rows_fetched_per_reboot': 42.51, 'rows_returned_per_reboot': 59.81}


def test_a_run_without_reboots_has_no_figures():
    assert pg_counters.per_reboot(BEFORE, _after(10, 10, 10), 0) == {}


def _run(db):
    return {'computes': 4, 'inflight': 50, 'cpu_breakdown_ms_per_reboot': {'api': 2.37},
            'db_per_reboot': db}


def _db_lines(run):
    lines = report.table({'scenarios': {'split': [run]}, 'targets': {}})
    return [line for line in lines.splitlines() if 'database per reboot' in line]


def test_the_table_gives_the_database_line_of_a_run():
    db = pg_counters.per_reboot(BEFORE, _after(1640, 42510, 59810), 1000)
    assert _db_lines(_run(db)) == [
        '    database per reboot: 1.64 commits, 42.51 rows fetched, 59.81 returned']


def test_a_run_that_read_whole_indexes_is_flagged():
    db = pg_counters.per_reboot(BEFORE, _after(1650, 3145350, 4238350), 1000)
    [line] = _db_lines(_run(db))
    assert line.endswith('3145.35 rows fetched, 4238.35 returned (a statement read far '
                         'more rows than it changed: check the plans)')


def test_a_run_without_database_figures_has_no_line():
    run = _run(None)
    assert _db_lines(run) == []


def test_the_phases_are_the_medians_of_the_api_timestamps():
    t0 = datetime.datetime(2026, 12, 6, 14, 0, 0)

    def row(begin_ms, end_ms):
        return (t0, t0 + datetime.timedelta(milliseconds=begin_ms),
                t0 + datetime.timedelta(milliseconds=begin_ms + end_ms))

    phases = action_phases.medians([row(2.0, 4.0), row(3.0, 5.0), row(9.0, 3.5)])
    assert phases == {'rest_to_begin_ms': 3.0, 'begin_to_end_ms': 4.0, 'reboots': 3}
    assert action_phases.medians([]) == {}


def test_the_table_gives_the_phases_of_a_run():
    run = _run(None)
    run['phases'] = {'rest_to_begin_ms': 2.86, 'begin_to_end_ms': 4.0, 'reboots': 1500}
    lines = report.table({'scenarios': {'split': [run]}, 'targets': {}}).splitlines()
    assert ("    medians: REST → begin 2.86 ms, begin → end 4.0 ms (the api's timestamps, "
            "bench/action_phases.py)") in lines
