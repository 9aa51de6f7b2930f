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
        assert RUN_KEYS | {'cpu_breakdown_ms_per_reboot'} <= run.keys()
        assert run['reboots'] > 0
    assert LATENCY_KEYS <= scenarios['api_only']['post_latency_ms'].keys()
    assert {'rss_mb_after_create', 'rss_mb_after_reboots'} <= scenarios['memory'].keys()
    assert set(doc['targets']) == {'inprocess_cpu_ms_per_reboot',
                                   'split_4_computes_reboots_per_s', 'api_only_post_p99_ms',
                                   'compute_rss_mb_1000_instances'}
