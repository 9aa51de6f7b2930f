"""``python -m bench --quick`` runs and writes every scenario's figures (a does-it-run check:
no timing is asserted)."""

import json
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
RUN_KEYS = {'reboots', 'reboots_per_s', 'latency_ms', 'cpu_ms_per_reboot'}
LATENCY_KEYS = {'p50', 'p99'}
NOISE_KEYS = {'loadavg_1m_before', 'loadavg_1m_after', 'other_cores_busy',
              'top_other_processes', 'noisy', 'steal_percent', 'speed_unit_ms_before',
              'speed_unit_ms_during'}


def _bench(tmp_path, *args, timeout=300):
    proc = subprocess.run([sys.executable, '-m', 'bench', '--out', str(tmp_path), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    [path] = tmp_path.glob('*.json')
    return json.loads(path.read_text()), proc.stdout


def test_bench_quick_runs_and_writes_every_scenario(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'bench', '--quick', '--out', str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    [path] = tmp_path.glob('*.json')
    doc = json.loads(path.read_text())
    scenarios = doc['scenarios']
    assert {'inprocess', 'split', 'api_only', 'memory'} <= scenarios.keys()
    assert RUN_KEYS <= scenarios['inprocess'].keys()
    assert LATENCY_KEYS <= scenarios['inprocess']['latency_ms'].keys()
    runs = {(r['computes'], r['inflight']): r for r in scenarios['split']}
    assert set(runs) == {(1, 1), (1, 50), (4, 1), (4, 50)}
    for run in runs.values():
        assert RUN_KEYS | {'cpu_breakdown_ms_per_reboot', 'upper_bounds', 'noise',
                           'cpu_ms_per_reboot_lower_bound', 'complete'} <= run.keys()
        assert run['reboots'] > 0
        assert NOISE_KEYS <= run['noise'].keys()
        # the lower bound leaves out the broker and counts only this run's database backends
        assert run['cpu_ms_per_reboot_lower_bound'] <= run['cpu_ms_per_reboot']
        assert set(run['upper_bounds']) <= {'broker', 'db'}
    assert NOISE_KEYS <= scenarios['inprocess']['noise'].keys()
    assert LATENCY_KEYS <= scenarios['api_only']['post_latency_ms'].keys()
    sweep = scenarios['api_only']['sweep']
    assert [s['offered_rate'] for s in sweep['steps']][:1] == [10]
    assert sweep['sustained_rate'] in (None, 10, 20)
    assert 'API sweep' in proc.stdout
    assert {'rss_mb_after_create', 'rss_mb_after_reboots'} <= scenarios['memory'].keys()
    floors = scenarios['floor']
    assert [floor['computes'] for floor in floors] == [1, 4]
    for floor in floors:
        assert floor['reboots'] == 50
        assert 0 < floor['accepted_to_begin_ms'] < floor['p50_ms'] <= floor['p99_ms']
    assert 'floor, 1 in flight, 1 compute(s) (raw kombu + psycopg, no Cepheid' in proc.stdout
    assert 'floor, 1 in flight, 4 compute(s) (raw kombu' in proc.stdout
    assert "the floor's computes taking turns: 4 computes " in proc.stdout
    assert ("Cepheid's 1-in-flight p50 against the floor's with as many computes: "
            "1 compute(s) ") in proc.stdout
    assert set(doc['targets']) == {'inprocess_cpu_ms_per_reboot',
                                   'split_4_computes_reboots_per_s', 'split_1_in_flight_p50_ms',
                                   'api_only_post_p99_ms', 'compute_rss_mb_1000_instances',
                                   'api_rss_mb'}
    assert doc['targets']['split_1_in_flight_p50_ms']['measured'] == max(
        runs[(1, 1)]['latency_ms']['p50'], runs[(4, 1)]['latency_ms']['p50'])


def test_the_floor_runs_alone():
    proc = subprocess.run([sys.executable, '-m', 'bench.hop_floor', '--count', '30',
                           '--computes', '2', '--json'],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    figures = json.loads(proc.stdout)
    assert (figures['reboots'], figures['computes']) == (30, 2)
    assert 0 < figures['begin_to_end_ms'] < figures['p50_ms'] <= figures['p99_ms']


def test_a_run_stopped_by_its_time_cap_is_reported_as_partial(tmp_path):
    doc, out = _bench(tmp_path, '--quick', '--only', 'inprocess', '--cap', '0.05')
    run = doc['scenarios']['inprocess']
    assert (run['complete'], run['requested']) == (False, 80)
    assert 0 < run['reboots'] < 80
    assert run['note'] == f'stopped by the 0.05 s time cap at {run["reboots"]} of 80 reboots'
    assert f'NOTE 1 in-process: {run["note"]}' in out
    assert doc['targets']['inprocess_cpu_ms_per_reboot']['partial'] is True


def test_nova_side_by_side_when_its_venv_is_cached(tmp_path):
    """``--nova`` against the cached Nova venv (never built here: minutes on these machines;
    ``python -m bench --nova`` builds it once)."""
    from bench import nova_compare
    venv = nova_compare.venv_path()
    if not (venv / nova_compare.MARKER).exists():
        pytest.skip(f'no cached Nova venv at {venv}')
    doc, out = _bench(tmp_path, '--quick', '--only', 'inprocess', '--nova', '--nova-servers',
                      '2', timeout=600)
    nova, pair = doc['scenarios']['nova'], doc['scenarios']['side_by_side']
    assert (nova['nova_version'], nova['reboots'], nova['complete']) == ('34.0.0', 80, True)
    assert pair['reboots'] == {'nova': 80, 'cepheid': 80} and pair['complete'] is True
    assert pair['ratio'] == round(nova['cpu_ms_per_reboot']
                                  / doc['scenarios']['inprocess']['cpu_ms_per_reboot'], 2)
    assert NOISE_KEYS <= nova['noise'].keys()
    assert f'ratio {pair["ratio"]:.2f}x' in out
