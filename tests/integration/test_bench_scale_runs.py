"""``python -m bench scale`` runs on 20 hosts in two processes and reports every figure: a
does-it-run check with short intervals. No CPU or throughput figure is asserted; what
must hold at any size is: every reboot ends once (0 lost, 0 duplicated, no task left), and
a crashed host goes down in os-services and gets its stuck reboot ended by the watchdog."""

import json
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
HOSTS = 20
SERVICE_DOWN_TIME = 3


def test_bench_scale_runs_twenty_hosts(tmp_path):
    proc = subprocess.run(
        [sys.executable, '-m', 'bench', 'scale', '--hosts', str(HOSTS), '--per-process', '10',
         '--servers-per-host', '1', '--reboots-per-host', '2', '--inflight', '10',
         '--idle-seconds', '2', '--settle-seconds', '1', '--report-interval', '1',
         '--service-down-time', str(SERVICE_DOWN_TIME), '--reboot-timeout', '4',
         '--watchdog-interval', '1', '--out', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert 'storm reboots/s' in proc.stdout
    [path] = tmp_path.glob('scale-*.json')
    doc = json.loads(path.read_text())
    [run] = doc['runs']
    assert (run['hosts'], run['servers']) == (HOSTS, HOSTS)
    assert {'api', 'hosts', 'broker', 'db'} <= run['idle']['cpu_cores'].keys()
    assert run['idle']['db_per_s']['xact_commit'] >= 0
    # the heartbeats' writes find their services row by index
    assert run['idle']['db_table_reads_per_s']['services']['idx_scans'] > 0
    # every host's RPC server has its own connection; the transports are per process
    assert run['broker']['connections'] >= HOSTS
    assert run['broker']['queues'] >= 2 * HOSTS
    storm = run['storm']
    assert storm['accepted'] == 2 * HOSTS
    assert (storm['lost'], storm['duplicated'], storm['tasks_left_in_db']) == (0, 0, 0)
    # a storm of reboot casts runs in the hosts' RPC listeners (compute/endpoint.py
    # runs_at_once) and on their instance queues; the RPC executors, which start a worker
    # only for the other messages, stay within --host-executor-threads (2) per host
    kinds = storm['threads_by_kind']
    assert kinds['instance queue'] > 0
    assert kinds.get('rpc executor', 0) <= 2 * 10
    assert run['samples']['storm']['max_threads_per_hosts_process'] > 0
    assert run['samples']['storm']['max_broker_connections'] >= HOSTS
    assert len(list(tmp_path.glob('scale-*-samples.jsonl'))) == 1
    death = run['death']
    assert death['reboot_status'] == 202
    assert 0 < death['seconds_to_down'] <= 2 * SERVICE_DOWN_TIME + 2
    assert death['seconds_to_watchdog_end'] is not None
    assert doc['per_1000_hosts'][0]['hosts'] == HOSTS
