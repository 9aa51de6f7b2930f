"""Scenarios 2 and 3 and the memory figure: separate processes over RabbitMQ + PostgreSQL.

Scenario 2: 1,000 servers on 1 or 4 compute hosts, rebooted with 1 and with 50 requests in
flight over keep-alive HTTP. The database is analyzed once the servers exist (the steady
state autovacuum keeps a deployment in; pg_counters.analyze says what a run without it
measures), and each run reports its commits and rows per reboot (``db_per_reboot``)
and the medians of its reboots' two phases, REST → begin → end (``phases``). With more
than one compute, the measured runs are followed by as many reboots as the 1-in-flight
one of only the first host's servers, one at a time (``one_host``, in that run's
figures): the same processes, but one compute takes every reboot, so the difference is
what the computes' taking turns costs (each one cold when its turn comes).
CPU per reboot sums cepheid-api, the computes, RabbitMQ's beam.smp and every postgres
process (they are local); this client is shown apart. When the broker or PostgreSQL
served others meanwhile (``upper_bounds`` says why), that sum is an upper bound;
``cpu_ms_per_reboot_lower_bound`` counts only the api, the computes and the backends of
the run's own database. ``noise``: what the rest of the machine did.
Scenario 3: reboot POST latency at a fixed offered rate, computes consuming, then a sweep
of rising rates for the highest one whose p99 stays within 50 ms (``rate_sweep``), each
started once the reboots accepted before it ended.
Memory: the compute's VmRSS with all the servers on it; the api's at start and after the runs.
"""

import functools
import os
import time

import sqlalchemy as sa
from sqlalchemy import pool as sa_pool

from bench import action_phases
from bench import cluster as bench_cluster
from bench import load
from bench import noise
from bench import pg_counters
from bench import procstat
from bench import rate_sweep

#: How long the api run's accepted reboots get to end before the sweep (seconds).
DRAIN_TIMEOUT = 300.0
IDLE_GROUPS = {'broker': procstat.broker_pids, 'db': procstat.database_pids}


def _groups(cluster):
    return {'api': cluster.api_pids, 'computes': cluster.compute_pids,
            'broker': procstat.broker_pids, 'db': procstat.database_pids,
            'bench_client': lambda: [os.getpid()]}


def _cpu_figures(seconds, reboots, idle, wall):
    """Per-reboot CPU: total of the service side, its breakdown, and net of idle load."""
    if not reboots:
        return {}
    service = sum(v for k, v in seconds.items() if k != 'bench_client')
    idle_cpu = sum(idle.get(k, 0.0) * wall for k in IDLE_GROUPS)
    per = {k: round(v / reboots * 1000, 3) for k, v in seconds.items()}
    return {
        'cpu_ms_per_reboot': round(service / reboots * 1000, 3),
        'cpu_ms_per_reboot_net_of_idle': round(max(0.0, service - idle_cpu) / reboots * 1000,
                                               3),
        'cpu_breakdown_ms_per_reboot': per,
    }


def _closed_run(cluster, ids, idle, *, inflight, reboots, max_seconds, db_before=None):
    """One measured closed-loop run. With ``db_before`` (a settled pg_counters snapshot)
    the database's own counters per reboot are read too; returns ``(result, db_after)``."""
    engine = sa.create_engine(cluster.database.url, poolclass=sa_pool.NullPool)
    groups = _groups(cluster)
    own_db = procstat.CpuMeter({'db_own': lambda: noise.database_backends(
        engine, cluster.database.name)})
    first_action = action_phases.last_action_id(engine)
    machine = noise.MachineMeter().start()
    meter = procstat.CpuMeter(groups).start()
    own_db.start()
    out = load.closed_loop(cluster.post_reboot, ids, cluster.tracker,
                           inflight=min(inflight, len(ids)), count=reboots,
                           max_seconds=max_seconds)
    seconds = meter.stop()
    own_db.stop()
    pids = [pid for pids in groups.values() for pid in pids()]
    result = load.summarize_closed(out)
    result.update(computes=len(cluster.hosts), servers=len(ids),
                  inflight=min(inflight, len(ids)))
    result.update(_cpu_figures(seconds, result['reboots'], idle, meter.wall))
    result['noise'] = machine.stop(sum(seconds.values()), pids)
    shared = {'broker': noise.broker_sharing(cluster.vhost.name),
              'db': noise.database_sharing(engine, cluster.database.name)}
    db_after = None
    if db_before is not None:
        db_after = pg_counters.snapshot(cluster.database)
        result['db_per_reboot'] = pg_counters.per_reboot(db_before, db_after,
                                                         result['reboots'])
    result['phases'] = action_phases.since(engine, first_action)   # after: its reads
    engine.dispose()
    result.update(_bounds(seconds, own_db.seconds['db_own'], shared, result['reboots']))
    return result, db_after


def _one_host_run(cluster, host, *, reboots, max_seconds):
    """``reboots`` reboots, one at a time, of only ``host``'s servers: ``{host, servers,
    reboots, latency_ms, requested, complete}`` (latency as the closed runs count it; a
    run the time cap stopped, or whose reboots did not all finish, with its ``note``, as
    theirs), or None when the api lists none there."""
    status, _, body = cluster.client.request(
        'GET', f'/servers?all_tenants=1&host={host}&limit=1000')
    ids = [server['id'] for server in (body or {}).get('servers', [])] if status == 200 else []
    if not ids:
        return None
    out = load.closed_loop(cluster.post_reboot, ids, cluster.tracker, inflight=1,
                           count=reboots, max_seconds=max_seconds)
    summary = load.summarize_closed(out)
    kept = ('reboots', 'latency_ms', 'requested', 'complete', 'note')
    return {'host': host, 'servers': len(ids),
            **{key: summary[key] for key in kept if key in summary}}


def _bounds(seconds, own_db, shared, reboots):
    """Which CPU figures are upper bounds (broker/db serving others too, with why), and a
    lower bound: api + computes + this database's own backends, no broker."""
    upper = {name: reasons for name, reasons in shared.items() if reasons}
    if not reboots:
        return {'upper_bounds': upper}
    lower = seconds['api'] + seconds['computes'] + own_db
    return {'upper_bounds': upper,
            'cpu_ms_per_reboot_lower_bound': round(lower / reboots * 1000, 3),
            'db_own_backends_ms_per_reboot': round(own_db / reboots * 1000, 3)}


def _drain(tracker, request_ids, *, timed=False, timeout=DRAIN_TIMEOUT):
    """Wait for the accepted reboots ``request_ids`` to end (their ``.end`` or ``.error``
    notification); how many did (and the seconds it took, when ``timed``)."""
    t0 = time.monotonic()
    ended = tracker.wait_all(request_ids, timeout)
    if timed:
        return ended, round(time.monotonic() - t0, 2)
    return ended


def _rss_mb(pid, field='VmRSS'):
    return round(procstat.status_kb(pid, field) / 1024, 1)


def _api_rss_mb(cluster, field='VmRSS'):
    """The largest api process's figure (with ``[api] workers`` > 1: the busiest worker)."""
    return max(_rss_mb(pid, field) for pid in cluster.api_pids())


def run_cluster(workdir, *, computes, servers, inflights, reboots, idle_seconds, warmup,
                api_rate=None, api_seconds=None, api_sweep=None, max_seconds=300,
                api_workers=1,
                run_seconds=None, group_commit=None, finish_cast=None, compute_options=None,
                api_options=None, tracker='lean', db_counters=True):
    """One cluster: create the servers, gather the database's statistics, then every
    closed-loop run, then (optionally) the fixed-rate API run and its sweep of rates
    (``api_sweep``: ``{'rates', 'seconds'}``). With ``db_counters`` each run also reports
    the database's commits and rows per reboot (each read waits for PostgreSQL's counters
    to settle: pg_counters). Returns ``(runs, api_only, memory)``."""
    workdir.mkdir(parents=True, exist_ok=True)
    hosts = [f'bench{i + 1}' for i in range(computes)]
    with bench_cluster.Cluster(hosts, workdir, api_workers=api_workers,
                               group_commit=group_commit,
                               finish_cast=finish_cast,
                               compute_options=compute_options,
                               api_options=api_options, tracker=tracker) as cluster:
        first = cluster.compute_pids()[0]
        memory = {'computes': computes, 'rss_mb_no_instances': _rss_mb(first),
                  'api_rss_mb_start': _api_rss_mb(cluster)}
        t0 = time.monotonic()
        ids = cluster.create_servers(servers, timeout=max(300, max_seconds))
        create_s = time.monotonic() - t0
        print(f'  {servers} servers created in {create_s:.1f} s', flush=True)
        pg_counters.analyze(cluster.database)
        memory.update(instances_on_compute=servers // computes,
                      rss_mb_after_create=_rss_mb(first),
                      api_rss_mb_after_create=_api_rss_mb(cluster))
        load.closed_loop(cluster.post_reboot, ids, cluster.tracker,
                         inflight=min(10, servers), count=warmup,
                         max_seconds=max_seconds)
        counters = (pg_counters.snapshot(cluster.database)
                    if db_counters and inflights else None)
        idle = procstat.idle_rate(IDLE_GROUPS, idle_seconds)
        runs = []
        cap = run_seconds or max_seconds      # each measured run's
        for inflight in inflights:
            run, counters = _closed_run(cluster, ids, idle, inflight=inflight,
                                        reboots=reboots, max_seconds=cap,
                                        db_before=counters)
            run.update(create_seconds=round(create_s, 2), group_commit=group_commit,
                       idle_cpu_per_s={k: round(v, 4) for k, v in idle.items()})
            runs.append(run)
            print(f'  {inflight} in flight: {run["reboots_per_s"]} reboots/s', flush=True)
        one_in_flight = next((run for run in runs if run['inflight'] == 1), None)
        if one_in_flight is not None and computes > 1:
            # After the measured runs: its database work stays out of their counters.
            one_in_flight['one_host'] = _one_host_run(cluster, hosts[0], reboots=reboots,
                                                      max_seconds=cap)
        api_only = None
        if api_rate:
            meter = procstat.CpuMeter(_groups(cluster)).start()
            accepted = []
            api_only = load.open_loop(cluster.post_reboot, ids, rate=api_rate,
                                      seconds=api_seconds, accepted=accepted)
            seconds = meter.stop()
            api_only.update(computes=computes, servers=servers,
                            api_cpu_ms_per_request=round(
                                seconds['api'] / max(1, api_only['requests']) * 1000, 3))
            drain = functools.partial(_drain, cluster.tracker)
            api_only['reboots_ended'], api_only['drain_seconds'] = drain(accepted, timed=True)
            if api_sweep:
                api_only['sweep'] = rate_sweep.sweep(cluster.post_reboot, ids, drain=drain,
                                                     **api_sweep)
        time.sleep(0.5)  # let the last reboots finish before reading memory
        memory.update(rss_mb_after_reboots=_rss_mb(first), hwm_mb=_rss_mb(first, 'VmHWM'),
                      reboots_done_on_compute=sum(r['reboots'] for r in runs) // computes,
                      api_rss_mb_after_reboots=_api_rss_mb(cluster),
                      api_hwm_mb=_api_rss_mb(cluster, 'VmHWM'))
        return runs, api_only, memory
