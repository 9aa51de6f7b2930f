"""The "machine during" line of a bench report: the hypervisor's steal beside the load,
the other processes and the speed unit, and a run with much steal marked NOISY."""

import io

from bench import noise
from bench import report


def _run(**noise_figures):
    machine = {'loadavg_1m_before': 1.0, 'loadavg_1m_after': 2.0, 'cpus': 2,
               'other_cores_busy': 0.04, 'top_other_processes': [['kdamond.0', 0.3]],
               'noisy': False, **noise_figures}
    return {'split': [{'computes': 4, 'inflight': 50, 'noise': machine}]}


def test_the_line_gives_the_steal_before_the_speed_unit():
    [line] = report._notes(_run(steal_percent=20.4, speed_unit_ms_before=30.5,
                                speed_unit_ms_after=37.6))
    assert line == ('  machine during 2 split c=4 f=50: load 1.0→2.0 on 2 CPUs, other '
                    'processes 0.04 cores busy (kdamond.0 0.3s), steal 20.4 %, speed unit '
                    '30.5→37.6 ms')


def test_the_speed_unit_during_the_run_follows_before_and_after():
    [line] = report._notes(_run(steal_percent=0.0, speed_unit_ms_before=27.0,
                                speed_unit_ms_after=28.0, speed_unit_ms_during=41.5))
    assert line.endswith('steal 0.0 %, speed unit 27.0→28.0 ms (41.5 during)')


def test_a_run_measured_before_steal_was_recorded_prints_without_it():
    [line] = report._notes(_run())
    assert line.endswith('cores busy (kdamond.0 0.3s)')


def test_a_run_with_much_steal_is_marked_noisy():
    [line] = report._notes(_run(steal_percent=25.0, noisy=True))
    assert line.startswith('  NOISY machine during')


def test_steal_is_kept_apart_from_the_busy_time(monkeypatch):
    # user nice system idle iowait irq softirq steal, in clock ticks
    stat = 'cpu  300 0 100 500 0 0 0 100\ncpu0 150 0 50 250 0 0 0 50\n'
    real_open = open
    monkeypatch.setattr('builtins.open', lambda path, *a, **k: (
        io.StringIO(stat) if path == '/proc/stat' else real_open(path, *a, **k)))
    busy, stolen = noise.cpu_seconds()
    assert (busy, stolen) == (400 / noise.procstat.CLK_TCK, 100 / noise.procstat.CLK_TCK)
