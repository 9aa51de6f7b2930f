"""The reboot storm: many reboots spread over every host, each counted to its end once.

The CPU each group (api, hosts, broker, db) burned over the storm is reported per reboot
ended: whether the api's cost per reboot grows with the host count, apart from the
simulation competing for the same cores; so are the database's commits (how many
reboots' steps one transaction carried).

A reboot is *lost* when its 202 never got a terminal notification (``instance.reboot.end``
or ``.error``) and *duplicated* when it got more than one. The database is asked too: no
server may keep a task_state once the storm is over.
"""

import collections
import threading
import time

import psycopg

from bench import load
from bench import pg_counters
from bench import procstat
from bench import tracker as bench_tracker


class CountingTracker(bench_tracker.Tracker):
    """A Tracker that also counts the terminal notifications of each request id."""

    def __init__(self, transport, topic='versioned_notifications', *, lean_conf=None):
        super().__init__(transport, topic, lean_conf=lean_conf)
        self.terminal = collections.Counter()
        self._count_lock = threading.Lock()

    def _record(self, event_type, payload, metadata):
        if event_type.endswith(bench_tracker.TERMINAL):
            request_id = payload.get('nova_object.data', {}).get('request_id')
            with self._count_lock:
                self.terminal[request_id] += 1
        super()._record(event_type, payload, metadata)


def run(cluster, servers, *, reboots, inflight, max_seconds, settle=10.0):
    """Send ``reboots`` reboots with ``inflight`` in flight, round-robin over ``servers``
    (spread over all hosts); returns the figures."""
    tracker = cluster.tracker
    accepted = []
    lock = threading.Lock()

    def post(server_id):
        status, request_id = cluster.post_reboot(server_id)
        if status == 202:
            with lock:
                accepted.append(request_id)
        return status, request_id

    before = dict(tracker.terminal)
    db_before = pg_counters.read(cluster.database)
    meter = procstat.CpuMeter(cluster.groups()).start()
    out = load.closed_loop(post, servers, tracker, inflight=min(inflight, len(servers)),
                           count=reboots, max_seconds=max_seconds)
    result = load.summarize_closed(out)
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline and _missing(tracker, accepted):
        time.sleep(0.5)
    cpu = meter.stop()
    time.sleep(min(2.0, settle))     # a duplicate would come after the first end
    db_after = pg_counters.read(cluster.database)   # flushed by now (every ~0.5 s)
    counts = [tracker.terminal[r] - before.get(r, 0) for r in accepted]
    ended = sum(1 for c in counts if c) or 1
    result['cpu_ms_per_reboot'] = {k: round(1000 * v / ended, 2) for k, v in cpu.items()}
    # Everything committed meanwhile (heartbeats, and the pool's pre-ping: a SELECT 1 in
    # autocommit), per reboot ended: the database round trips a reboot's steps took.
    result['db_commits_per_reboot'] = round(
        (db_after['xact_commit'] - db_before['xact_commit']) / ended, 2)
    result.update(accepted=len(accepted), lost=sum(1 for c in counts if c == 0),
                  duplicated=sum(1 for c in counts if c > 1),
                  servers=len(servers), inflight=min(inflight, len(servers)),
                  tasks_left_in_db=tasks_left(cluster.database.url))
    return result


def _missing(tracker, request_ids):
    return any(tracker.terminal[r] == 0 for r in request_ids)


def tasks_left(sqlalchemy_url):
    """Live servers that still have a task_state."""
    url = sqlalchemy_url.replace('postgresql+psycopg://', 'postgresql://')
    with psycopg.connect(url) as conn:
        return conn.execute('SELECT count(*) FROM instances WHERE deleted = 0 '
                            'AND task_state IS NOT NULL').fetchone()[0]
