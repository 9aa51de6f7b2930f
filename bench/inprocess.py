"""Scenario 1: api + compute in this one process over fake:// and SQLite (WAL), fake driver.

Driven through Flask's test client (the whole API request: routing, auth, policy, schema,
DB transaction, cast; no sockets; ``[api] threads`` requests at once, as the server runs
them) or real HTTP to the in-process waitress server. CPU per
reboot is this process's CPU time over the measured window, divided by the reboots.

Over fake:// an RPC call costs ~50 ms of wall time (its listener sleeps when idle), so
throughput comes from many reboots in flight; the headline here is CPU per reboot.
"""

import os
import resource
import threading
import time

from bench import cluster as bench_cluster
from bench import load
from bench import noise
from bench import procstat
from bench import sql_census
from bench import tracker as bench_tracker
from cepheid.common import config
from cepheid.common import startup
from cepheid.demo import allinone

HOST = 'compute1'


class _TestClientPoster:
    """Requests through Flask's test client, one client per client thread, kept (as a REST
    client keeps its session; a test client is not shared between threads). At most
    ``admitted`` run at once (``[api] threads``), as the api's server runs that many and
    queues the rest: the database pool is sized for them (api/db/session.py)."""

    def __init__(self, app, *, admitted):
        self.app = app
        self._local = threading.local()
        self._admit = threading.BoundedSemaphore(admitted)

    def _client(self):
        client = getattr(self._local, 'client', None)
        if client is None:
            client = self._local.client = self.app.test_client(use_cookies=False)
        return client

    def request(self, method, path, body=None):
        with self._admit:
            resp = self._client().open(
                '/v2.1' + path, method=method, json=body, headers=bench_cluster.HEADERS)
        return (resp.status_code, resp.headers.get('x-openstack-request-id'),
                resp.get_json(silent=True))


def _make_stack(workdir, *, workers, group_commit=None, api_options=None):
    workdir.mkdir(parents=True, exist_ok=True)
    overrides = {} if group_commit is None else {'conductor_group_commit': group_commit}
    for group, options in (api_options or {}).items():
        prefix = '' if group == 'DEFAULT' else f'{group}.'
        overrides.update((prefix + name, value) for name, value in options.items())
    conf = allinone.make_conf(rpc_worker_threads=workers, **overrides)
    conf.set_override('log_file', str(workdir / 'inprocess.log'))
    conf.set_override('use_stderr', False)
    for limited in ('instances', 'cores', 'ram'):  # hundreds of servers in one project
        conf.set_override(limited, -1, group='quota')
    config.setup_logging(conf)
    stack = allinone.AllInOne(conf, hosts=[HOST]).start()
    startup.freeze_heap()       # as cepheid-api and cepheid-compute do once they serve
    return stack


def run(workdir, *, servers, reboots, inflight, warmup, drive='testclient', max_seconds=300,
        run_seconds=None, group_commit=None, api_options=None):
    """``max_seconds`` bounds creation and warm-up; ``run_seconds`` (default the same) the
    measured run; ``group_commit``: the compute's conductor_group_commit (None: default);
    ``api_options``: {group: {name: value}} set on the stack's conf (``--api-option``)."""
    stack = _make_stack(workdir, workers=inflight, group_commit=group_commit,
                        api_options=api_options)
    # The stack's own recorder would share the versioned topic with our tracker (fake://
    # hands each message to one listener of a topic): stop it and use the tracker.
    stack.recorder.listener.stop()
    stack.recorder.listener.wait()
    tracker = bench_tracker.Tracker(stack.services.notification_transport).start()
    try:
        if drive == 'http':
            client = bench_cluster.HttpClient('127.0.0.1', stack.server.port)
        else:
            client = _TestClientPoster(stack.app, admitted=stack.conf.api.threads)

        def post_reboot(server_id):
            status, request_id, _ = client.request(
                'POST', f'/servers/{server_id}/action', {'reboot': {'type': 'SOFT'}})
            return status, request_id

        t0 = time.monotonic()
        ids = bench_cluster.create_servers(
            lambda body: client.request('POST', '/servers', body), [HOST], tracker,
            servers, threads=min(16, servers), timeout=max_seconds)
        create_s = time.monotonic() - t0
        if warmup:
            load.closed_loop(post_reboot, ids, tracker, inflight=min(inflight, servers),
                             count=warmup, max_seconds=max_seconds)
        sql = sql_census.SqlCounter(stack.db.engine)
        machine = noise.MachineMeter().start()
        cpu0, ru0 = time.process_time(), resource.getrusage(resource.RUSAGE_SELF)
        out = load.closed_loop(post_reboot, ids, tracker, inflight=min(inflight, servers),
                               count=reboots, max_seconds=run_seconds or max_seconds)
        cpu = time.process_time() - cpu0
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        result = load.summarize_closed(out, cpu_seconds=cpu)
        result['noise'] = machine.stop(cpu, [os.getpid()])
        result.update(
            drive=drive, group_commit=stack.conf.conductor_group_commit, servers=servers,
            inflight=min(inflight, servers), warmup=warmup,
            rpc_worker_threads=inflight, create_seconds=round(create_s, 2),
            cpu_seconds=round(cpu, 3),
            cpu_user_s=round(ru1.ru_utime - ru0.ru_utime, 3),
            cpu_system_s=round(ru1.ru_stime - ru0.ru_stime, 3),
            rss_mb=round(procstat.status_kb('self', 'VmRSS') / 1024, 1),
            notifications_received=tracker.received)
        if result['reboots']:
            result.update(sql_statements_per_reboot=round(sql.statements / result['reboots'], 1),
                          commits_per_reboot=round(sql.commits / result['reboots'], 2),
                          sql_per_reboot_by_shape={
                              shape: round(count / result['reboots'], 2)
                              for shape, count in sql.shapes.most_common()})
        return result
    finally:
        tracker.stop()
        stack.stop()
