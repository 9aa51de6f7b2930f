"""``python -m bench``: run the scenarios, print a table, write bench-results/<time>.json."""

import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time
import warnings

from bench import rate_sweep
from bench import report
from bench.scale import options as scale_options

SCENARIOS = ('inprocess', 'split', 'api_only', 'memory')

FULL = {
    'inprocess': {'servers': 200, 'reboots': 2000, 'inflight': 64, 'warmup': 200},
    'split': {'servers': 1000, 'reboots': 1000, 'inflights': (1, 50), 'computes': (1, 4),
              'idle_seconds': 2.0, 'warmup': 100, 'max_seconds': 60, 'db_counters': True},
    'api_only': {'rate': 100, 'seconds': 10, 'sweep_seconds': 5.0,
                 'sweep_rates': rate_sweep.DEFAULT_RATES},
    'nova_max_seconds': 600,
    'floor': {'reboots': 2000},
}
QUICK = {
    'inprocess': {'servers': 20, 'reboots': 80, 'inflight': 16, 'warmup': 16},
    'split': {'servers': 50, 'reboots': 30, 'inflights': (1, 50), 'computes': (1, 4),
              'idle_seconds': 0.5, 'warmup': 10, 'max_seconds': 30, 'db_counters': False},
    'api_only': {'rate': 100, 'seconds': 1, 'sweep_seconds': 1.0, 'sweep_rates': (10, 20)},
    'nova_max_seconds': 120,
    'floor': {'reboots': 50},
}


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    parser.add_argument('--quick', action='store_true',
                        help='everything scaled down (under a minute): does it run')
    parser.add_argument('--only', action='append', choices=('inprocess', 'split', 'api_only'),
                        help='run only these scenarios (repeatable; memory comes with split)')
    parser.add_argument('--api-workers', type=int, default=1,
                        help='[api] workers of the split cluster (default 1)')
    parser.add_argument('--drive', choices=('testclient', 'http'), default='testclient',
                        help="scenario 1: Flask's test client (default) or real HTTP")
    parser.add_argument('--out', default='bench-results', help='directory for the JSON')
    parser.add_argument('--workdir', help='keep configs and service logs here (default: a '
                        'temporary directory, removed afterwards)')
    parser.add_argument('--api-seconds', type=float,
                        help='scenario 3: seconds at the offered rate')
    parser.add_argument('--api-sweep', metavar='RATES',
                        help="scenario 3's sweep: comma-separated offered rates (default "
                        f"{','.join(map(str, rate_sweep.DEFAULT_RATES))}, up to the first "
                        "not sustained; 'off' skips it); the highest rate whose POST p99 "
                        'stays <= 50 ms is printed as the sustained rate')
    parser.add_argument('--cap', type=float,
                        help='time cap in seconds of each measured run of scenarios 1 and 2 '
                        '(default: theirs); a run it stops is reported as partial')
    parser.add_argument('--nova', action='store_true',
                        help='also run Nova 34.0.0 (PyPI, its own cached venv) through its '
                        'in-process functional harness for the in-process scenario\'s reboot '
                        'count, and print both CPU figures and the ratio (runs scenario 1)')
    parser.add_argument('--group-commit', choices=('on', 'off', 'both'),
                        help="the computes' [DEFAULT] conductor_group_commit (default: the "
                        "service default); 'both' runs the chosen scenarios with it off, "
                        'then on (--pairs times) and prints the on/off ratios of that run')
    parser.add_argument('--finish-cast', choices=('on', 'off'),
                        help="scenario 2: the computes' [DEFAULT] conductor_finish_cast "
                        '(default: the service default; an api or compute without it '
                        'ignores it)')
    parser.add_argument('--tracker', choices=('lean', 'oslo'), default='lean',
                        help="scenario 2: how the bench's own process takes the cluster's "
                        "notifications: kombu consumers (default, bench/lean_tracker.py) or "
                        "oslo.messaging's notification listener (as before 2026-12-05)")
    parser.add_argument('--compute-option', action='append', default=[], metavar='KEY=VALUE',
                        help="scenario 2: a [DEFAULT] option of every compute (repeatable), "
                        "e.g. steps_caller=rpc")
    parser.add_argument('--api-option', action='append', default=[],
                        metavar='GROUP.NAME=VALUE',
                        help="scenarios 1 and 2: an option of the api (repeatable; a name "
                        "alone is [DEFAULT]'s), e.g. database.prebuilt_statements=false")
    parser.add_argument('--computes', type=int, action='append',
                        help='scenario 2: the clusters to run, by compute count (repeatable; '
                        'default 1 and 4; the memory figures come from the 1-compute one)')
    parser.add_argument('--pairs', type=int, default=1,
                        help="--group-commit both: how many off/on pairs, alternating")
    parser.add_argument('--nova-servers', type=int, default=4,
                        help='--nova: servers Nova reboots round-robin (default 4; the '
                        'harness\'s fake compute has room for 8 m1.tiny)')
    args = parser.parse_args(argv)
    args.compute_options = scale_options.default_settings(args.compute_option,
                                                          '--compute-option')
    args.api_options = {}
    for group, name, value in scale_options.api_settings(args.api_option, '--api-option'):
        args.api_options.setdefault(group, {})[name] = value
    return args


def _git_revision():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except OSError:
        return None


def _group_commit_settings(args):
    """The conductor_group_commit values to run, in order."""
    if args.group_commit == 'both':
        return [False, True] * max(1, args.pairs)
    if args.group_commit is not None:
        return [args.group_commit == 'on']
    from cepheid.compute import conf as compute_conf
    return [next(o.default for o in compute_conf.compute_opts
                 if o.name == 'conductor_group_commit')]


def run(args, workdir, group_commit):
    from bench import inprocess
    from bench import split
    _progress(f'conductor_group_commit = {group_commit}')
    plan = QUICK if args.quick else FULL
    only = set(args.only or ('inprocess', 'split', 'api_only'))
    results = {}
    if args.nova:
        only.add('inprocess')
    if 'inprocess' in only:
        _progress('scenario 1: in-process over fake:// + SQLite')
        results['inprocess'] = inprocess.run(workdir / 'inprocess', drive=args.drive,
                                             run_seconds=args.cap, group_commit=group_commit,
                                             api_options=args.api_options,
                                             **plan['inprocess'])
    if args.nova:
        from bench import nova_compare as nova
        _progress(f'Nova {nova.NOVA_VERSION}: its functional harness, in-process, same '
                  f'reboot count')
        results['nova'] = nova.run(workdir / 'nova', reboots=plan['inprocess']['reboots'],
                                   servers=args.nova_servers,
                                   max_seconds=plan['nova_max_seconds'], log=_progress)
        results['side_by_side'] = nova.side_by_side(results['nova'], results['inprocess'])
    if only & {'split', 'api_only'}:
        sp, api = plan['split'], dict(plan['api_only'])
        if args.api_seconds:
            api['seconds'] = args.api_seconds
        if args.api_sweep:
            api['sweep_rates'] = (() if args.api_sweep == 'off'
                                  else rate_sweep.parse_rates(args.api_sweep))
        results['split'] = []
        computes = (args.computes or sp['computes']) if 'split' in only else (1,)
        for count in computes:
            _progress(f'scenario 2: {count} compute(s) over RabbitMQ + PostgreSQL')
            with_api = 'api_only' in only and count == 1
            runs, api_only, memory = split.run_cluster(
                workdir / f'split-{count}', computes=count, servers=sp['servers'],
                inflights=sp['inflights'] if 'split' in only else (),
                reboots=sp['reboots'], idle_seconds=sp['idle_seconds'], warmup=sp['warmup'],
                max_seconds=sp['max_seconds'], run_seconds=args.cap,
                api_rate=api['rate'] if with_api else None, api_seconds=api['seconds'],
                api_sweep={'rates': api['sweep_rates'], 'seconds': api['sweep_seconds']}
                if with_api and api['sweep_rates'] else None,
                api_workers=args.api_workers, group_commit=group_commit,
                finish_cast=None if args.finish_cast is None else args.finish_cast == 'on',
                compute_options=args.compute_options, api_options=args.api_options,
                tracker=args.tracker, db_counters=sp['db_counters'])
            results['split'].extend(runs)
            if api_only is not None:
                results['api_only'] = api_only
            if count == 1:
                results['memory'] = memory
            else:
                results.setdefault('memory_other', []).append(memory)
    if 'split' in only:
        from bench import hop_floor
        results['floor'] = []
        for count in computes:      # the split clusters' sizes, as run above
            _progress(f"the floor: a reboot's round trips alone, 1 in flight, {count} "
                      f"compute(s) (bench/hop_floor.py)")
            results['floor'].append(hop_floor.run(plan['floor']['reboots'], computes=count))
    _progress('done')
    return results


_T0 = time.monotonic()


def _progress(text):
    print(f'[{time.monotonic() - _T0:6.1f}s] {text}', flush=True)


def main(argv=None):
    warnings.simplefilter('ignore', DeprecationWarning)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['scale']:   # the scale harness has its own options (bench/scale/)
        from bench.scale import run as scale_run
        return scale_run.main(argv[1:])
    args = parse_args(argv)
    settings = _group_commit_settings(args)
    docs = [_run_one(args, group_commit, index if len(settings) > 1 else None)
            for index, group_commit in enumerate(settings)]
    if len(docs) > 1:
        print('\n' + report.group_commit_comparison(docs))
    return 0


def _run_one(args, group_commit, index):
    """One run of the chosen scenarios: table printed, JSON written; returns the doc."""
    started = time.time()
    suffix = '' if index is None else f'-{index}-gc-{"on" if group_commit else "off"}'
    if args.workdir:
        results = run(args, pathlib.Path(args.workdir + suffix), group_commit)
    else:
        with tempfile.TemporaryDirectory(prefix='cepheid-bench-') as tmp:
            results = run(args, pathlib.Path(tmp), group_commit)
    doc = {
        'meta': {'started': datetime.datetime.fromtimestamp(started).isoformat(),
                 'seconds': round(time.time() - started, 1), 'quick': args.quick,
                 'git': _git_revision(), 'python': platform.python_version(),
                 'cpus': os.cpu_count(), 'drive': args.drive,
                 'group_commit': group_commit, 'finish_cast': args.finish_cast,
                 'compute_options': args.compute_options,
                 'api_options': args.api_options, 'tracker': args.tracker},
        'scenarios': results,
    }
    doc['targets'] = report.targets(results)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f'{datetime.datetime.fromtimestamp(started):%Y%m%d-%H%M%S}{suffix}.json'
    path.write_text(json.dumps(doc, indent=2) + '\n')
    print(report.table(doc))
    print(f'\nwrote {path}')
    return doc
