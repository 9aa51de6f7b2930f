"""What the scale run measures at idle and when a host dies.

- idle CPU (core fraction) of the api tree, the hosts processes, RabbitMQ and PostgreSQL;
  the broker and the database may serve other users of this machine too, so theirs are
  upper bounds;
- the broker (rabbitmqctl): this vhost's queues, their messages and memory, its connections
  and channels, and the whole broker's memory;
- the database (pg_stat_database of our database): transactions and rows touched per
  second, and per table (pg_stat_user_tables) the rows read by sequential and index scans
  per second (pg_stat_statements is not loaded on a stock server, so statements are not
  counted one by one);
- a host's death: seconds until os-services shows it ``down``, and until the watchdog ends
  a reboot sent to it.
"""

import os
import subprocess
import time

import psycopg

from bench import pg_counters
from bench import procstat


def _ctl(*args):
    result = subprocess.run(['rabbitmqctl', '-q', *args], capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    return [line.split('\t') for line in result.stdout.splitlines() if line.strip()]


def _rows(lines):
    """rabbitmqctl -q prints a header row first."""
    return lines[1:] if lines and not lines[0][-1].isdigit() else lines


def broker_stats(vhost):
    """Queues, messages, memory and connections of ``vhost`` (and the broker's memory)."""
    queues = _rows(_ctl('list_queues', '-p', vhost, 'name', 'messages', 'memory'))
    conns = _rows(_ctl('list_connections', 'vhost', 'channels'))
    ours = [c for c in conns if c[0] == vhost]
    stats = {
        'queues': len(queues),
        'messages': sum(int(q[1]) for q in queues),
        'queue_memory_mb': round(sum(int(q[2]) for q in queues) / 2**20, 1),
        'connections': len(ours),
        'channels': sum(int(c[1]) for c in ours),
        'connections_all_vhosts': len(conns),
    }
    try:
        total = _ctl('eval', 'erlang:memory(total).')
        stats['broker_memory_mb'] = round(int(total[0][0]) / 2**20, 1)
    except (RuntimeError, ValueError, IndexError):
        stats['broker_memory_mb'] = None
    return stats


def table_reads(database):
    """``{table: (seq_scan, seq_tup_read, idx_scan, idx_tup_fetch)}`` of our database."""
    with psycopg.connect(pg_counters.database_url(database)) as conn:
        rows = conn.execute('SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), '
                            'coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables').fetchall()
    return {row[0]: row[1:] for row in rows}


def _reads_per_s(before, after, wall):
    """Per table that was read: scans and rows per second, sequential and by index."""
    out = {}
    for table, counts in after.items():
        delta = [a - b for a, b in zip(counts, before.get(table, (0, 0, 0, 0)), strict=True)]
        if any(delta):
            out[table] = dict(zip(('seq_scans', 'seq_rows', 'idx_scans', 'idx_rows'),
                                  (round(d / wall, 2) for d in delta), strict=True))
    return dict(sorted(out.items(), key=lambda kv: -(kv[1]['seq_rows'] + kv[1]['idx_rows'])))


def idle(cluster, seconds):
    """CPU per group and DB activity per second over ``seconds`` of doing nothing."""
    tables_before = table_reads(cluster.database)    # its own catalog reads flushed first
    time.sleep(0.5)   # pg_stat counters are flushed by backends about every 0.5 s
    db_before = pg_counters.read(cluster.database)
    meter = procstat.CpuMeter(cluster.groups()).start()
    time.sleep(seconds)
    cpu = meter.stop()
    time.sleep(0.5)
    db_after = pg_counters.read(cluster.database)
    tables_after = table_reads(cluster.database)
    wall = meter.wall
    return {
        'seconds': round(wall, 1),
        'cpu_cores': {k: round(v / wall, 4) for k, v in cpu.items()},
        'db_per_s': {k: round((db_after[k] - db_before[k]) / wall, 1)
                     for k in pg_counters.COUNTERS},
        'db_table_reads_per_s': _reads_per_s(tables_before, tables_after, wall),
        'load_average': list(os.getloadavg()),
    }


def host_death(cluster, host, server_id, *, timeout):
    """Crash ``host``, reboot ``server_id`` (on it) right after; returns seconds from the
    crash to ``down`` in os-services and to the watchdog ending that reboot."""
    died = cluster.process_of(host).kill(host)
    status, _ = cluster.post_reboot(server_id)
    down_at = ended_at = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (down_at is None or ended_at is None):
        if down_at is None and cluster.service_states().get(host) == 'down':
            down_at = time.time()
        if ended_at is None and status == 202 and _task_ended(cluster, server_id):
            ended_at = time.time()
        time.sleep(0.5)
    return {
        'host': host, 'reboot_status': status,
        'seconds_to_down': round(down_at - died, 1) if down_at else None,
        'seconds_to_watchdog_end': round(ended_at - died, 1) if ended_at else None,
    }


def host_of(cluster, server_id):
    _, _, body = cluster.client.request('GET', f'/servers/{server_id}')
    return body['server']['OS-EXT-SRV-ATTR:host']


def _task_ended(cluster, server_id):
    status, _, body = cluster.client.request('GET', f'/servers/{server_id}')
    return status == 200 and body['server'].get('OS-EXT-STS:task_state') is None

