"""``python -m bench scale``: N simulated hosts against one api; idle cost, death, storm.

For each ``--hosts`` count: start the cluster, create ``--servers-per-host`` servers on
every host, let it settle, measure the idle costs and the broker, run the reboot storm,
then crash one host and time ``down`` and the watchdog. Prints a table and writes
``<out>/scale-<time>.json`` (rewritten after every phase, so a run that breaks down keeps
what it measured) and ``<out>/scale-<time>-samples.jsonl`` (threads of the hosts
processes, broker connections and load, every 15 s of every phase).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import tempfile
import time

from bench import noise
from bench import pg_counters
from bench.scale import cluster as scale_cluster
from bench.scale import measure
from bench.scale import options as scale_options
from bench.scale import report
from bench.scale import sampler as scale_sampler
from bench.scale import storm


def parse_args(argv):
    p = argparse.ArgumentParser(prog='python -m bench scale', description=__doc__)
    p.add_argument('--hosts', type=int, action='append',
                   help='host count (repeatable: one cluster per count; default 100)')
    p.add_argument('--per-process', type=int, default=100, help='hosts per process')
    p.add_argument('--host-executor-threads', type=int, default=2,
                   help='executor_thread_pool_size of the simulated hosts (a real compute '
                        'keeps 64; common.rpc.RPCExecutor adds a worker only when none is '
                        'idle, and idle ones sleep, but 100 hosts share a process; the '
                        'compute endpoint only queues the work)')
    p.add_argument('--hosts-nice', type=int, default=0,
                   help='niceness of the hosts processes (e.g. 19: the simulation takes '
                        'only the CPU the api, broker and database leave, as hosts on '
                        'machines of their own would; use the same for every host count)')
    p.add_argument('--servers-per-host', type=int, default=2)
    p.add_argument('--create-threads', type=int, default=16,
                   help='creates POSTed at once (1,000 hosts on 2 cores: fewer, or the '
                        'saturated api lets heartbeats age past service_down_time)')
    p.add_argument('--reboots-per-host', type=float, default=10.0,
                   help='storm size per host (10 x 1,000 hosts = 10,000 reboots)')
    p.add_argument('--inflight', type=int, default=50, help='storm: reboots in flight')
    p.add_argument('--storm-seconds', type=float, default=600, help='storm time bound')
    p.add_argument('--idle-seconds', type=float, default=30.0)
    p.add_argument('--settle-seconds', type=float, default=None,
                   help='wait before the idle window (default: 2 report intervals)')
    p.add_argument('--api-workers', type=int, default=2)
    p.add_argument('--report-interval', type=int, default=10)
    p.add_argument('--service-down-time', type=int, default=60)
    p.add_argument('--reboot-timeout', type=int, default=30,
                   help='[DEFAULT] reboot_timeout of the api (the watchdog acts after it)')
    p.add_argument('--watchdog-interval', type=int, default=5)
    p.add_argument('--no-death', action='store_true', help='skip the host-death timing')
    p.add_argument('--baseline', metavar='JSON',
                   help='a scale JSON (e.g. a 4-host run of the same sitting) whose storm '
                        'rate the target line compares with, or the JSON of `python -m '
                        'bench --only split --computes 4` (its 4-compute, 50-in-flight '
                        'run: the figure issue 19 names); default: the first --hosts '
                        'run of this invocation, when there are several')
    p.add_argument('--api-set', action='append', default=[], metavar='GROUP.NAME=VALUE',
                   help="an option of the api's config file (e.g. "
                        "api.steps_consumer_threads=2; a name alone is in [DEFAULT]); "
                        'repeatable')
    p.add_argument('--tracker', choices=('lean', 'oslo'), default='lean',
                   help="how the bench takes the notifications: kombu consumers (default) "
                        "or oslo.messaging's listener (as before 2026-12-05)")
    p.add_argument('--host-set', action='append', default=[], metavar='NAME=VALUE',
                   help="a [DEFAULT] option of the hosts' config file (e.g. "
                        'steps_caller=rpc); repeatable')
    p.add_argument('--out', default='bench-results')
    p.add_argument('--workdir', help='keep configs and logs here')
    return p.parse_args(argv)


def _options(args):
    timing = {'report_interval': args.report_interval,
              'service_down_time': args.service_down_time}
    api = {'DEFAULT': dict(timing, reboot_timeout=args.reboot_timeout,
                           watchdog_interval=args.watchdog_interval)}
    for group, name, value in scale_options.api_settings(args.api_set):
        api.setdefault(group, {})[name] = value
    hosts = dict(timing, executor_thread_pool_size=args.host_executor_threads)
    hosts.update(scale_options.default_settings(args.host_set, '--host-set'))
    return api, hosts


def _progress(text):
    print(f'[{time.strftime("%H:%M:%S")}] {text}', flush=True)


def run_one(args, hosts, workdir, result, save, samples_path):
    """Fill ``result`` phase by phase, calling ``save()`` after each."""
    workdir.mkdir(parents=True, exist_ok=True)
    api_options, host_options = _options(args)
    result.update({'hosts': hosts, 'per_process': args.per_process,
                   'api_workers': args.api_workers,
                   'host_executor_threads': args.host_executor_threads,
                   'hosts_nice': args.hosts_nice, 'api_set': list(args.api_set),
                   'tracker': args.tracker})
    t0 = time.monotonic()
    with scale_cluster.ScaleCluster(hosts, workdir, per_process=args.per_process,
                                    api_workers=args.api_workers, api_options=api_options,
                                    host_options=host_options,
                                    hosts_nice=args.hosts_nice,
                                    tracker=args.tracker) as cluster:
        result['start_seconds'] = round(time.monotonic() - t0, 1)
        _progress(f'{hosts} hosts up in {result["start_seconds"]} s')
        with scale_sampler.Sampler(cluster, samples_path, phase=f'{hosts}:create') as sampler:
            _phases(args, cluster, result, save, sampler)
        for phase in ('create', 'idle', 'storm', 'death'):
            result.setdefault('samples', {})[phase] = sampler.summary(f'{hosts}:{phase}')
        save()


def _phases(args, cluster, result, save, sampler):
    hosts = len(cluster.hosts)
    t0 = time.monotonic()
    servers, errors = cluster.create_servers(hosts * args.servers_per_host,
                                             threads=args.create_threads, timeout=1800)
    result['servers'] = len(servers)
    result['create_errors'] = errors
    result['create_seconds'] = round(time.monotonic() - t0, 1)
    _progress(f'{len(servers)} servers created in {result["create_seconds"]} s '
              f'({errors} in ERROR)')
    pg_counters.analyze(cluster.database)     # the statistics a deployment's autovacuum keeps
    sampler.mark(f'{hosts}:idle')
    time.sleep(args.settle_seconds if args.settle_seconds is not None
               else 2 * args.report_interval)
    result['idle'] = measure.idle(cluster, args.idle_seconds)
    result['broker'] = measure.broker_stats(cluster.vhost.name)
    _progress(f'idle: {result["idle"]["cpu_cores"]}')
    save()
    sampler.mark(f'{hosts}:storm')
    speed = noise.SpeedMeter().start()
    result['storm'] = storm.run(cluster, servers,
                                reboots=int(hosts * args.reboots_per_host),
                                inflight=args.inflight, max_seconds=args.storm_seconds)
    figures = speed.stop()
    result['storm'].update(
        steal_percent=figures['steal_percent'],
        speed_unit_ms_during=figures['speed_unit_ms_during'],
        speed_unit_ms=[figures['speed_unit_ms_before'], figures['speed_unit_ms_after']])
    try:
        result['storm']['threads_by_kind'] = cluster.host_procs[0].threads()
    except RuntimeError as exc:     # a process too busy to answer in 30 s: no breakdown
        result['storm']['threads_by_kind'] = {'error': str(exc)}
    _progress(f'storm: {result["storm"]["reboots_per_s"]} reboots/s, lost '
              f'{result["storm"]["lost"]}, duplicated {result["storm"]["duplicated"]}; '
              f'threads of the first hosts process: {result["storm"]["threads_by_kind"]}')
    save()
    if not args.no_death:
        sampler.mark(f'{hosts}:death')
        victim_server = servers[-1]
        victim = measure.host_of(cluster, victim_server)
        result['death'] = measure.host_death(
            cluster, victim, victim_server,
            timeout=3 * args.service_down_time + 2 * args.reboot_timeout + 60)
        _progress(f'death: {result["death"]}')


def main(argv):
    args = parse_args(argv)
    baseline = report.baseline_of(args.baseline) if args.baseline else None   # fail early
    started = time.time()
    counts = args.hosts or [100]
    runs = []
    doc = {'meta': {'started': datetime.datetime.fromtimestamp(started).isoformat(),
                    'cpus': os.cpu_count(), 'python': platform.python_version(),
                    'options': {k: v for k, v in vars(args).items()
                                if k not in ('out', 'workdir')}},
           'runs': runs}
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f'scale-{datetime.datetime.fromtimestamp(started):%Y%m%d-%H%M%S}'
    path = out / f'{stem}.json'

    def save():
        doc['meta']['seconds'] = round(time.time() - started, 1)
        path.write_text(json.dumps(doc, indent=2) + '\n')

    with tempfile.TemporaryDirectory(prefix='cepheid-scale-') as tmp:
        base = pathlib.Path(args.workdir or tmp)
        for hosts in counts:
            _progress(f'scale: {hosts} hosts')
            runs.append({})
            run_one(args, hosts, base / f'hosts-{hosts}', runs[-1], save,
                    out / f'{stem}-samples.jsonl')
    doc['per_1000_hosts'] = report.per_thousand(runs)
    save()
    print(report.table(doc))
    print('\n'.join([''] + report.targets(doc, service_down_time=args.service_down_time,
                                          baseline=baseline)))
    print(f'\nwrote {path}')
    return 0
