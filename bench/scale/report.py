"""The scale run's table, its figures scaled to 1,000 hosts, and issue 19's targets.

``targets`` checks each run against them: idle api CPU ≤ 0.05 and idle broker + database
≤ 0.10 cores per 1,000 hosts, a dead host ``down`` within 2 × ``service_down_time``, a
storm with nothing lost or duplicated, and (given a baseline: the first run of the same
invocation, or ``--baseline`` a scale JSON of a 4-host run or the speed bench's JSON of
its split scenario, from the same sitting) a storm rate within 20 % of the baseline's.
"""

import json

from bench import machine_speed

ROWS = (
    ('hosts', lambda r: r['hosts']),
    ('servers', lambda r: r['servers']),
    ('creates in ERROR', lambda r: r.get('create_errors')),
    ('idle api CPU (cores)', lambda r: r['idle']['cpu_cores']['api']),
    ('idle hosts procs CPU (cores)', lambda r: r['idle']['cpu_cores']['hosts']),
    ('idle broker CPU (cores, <=)', lambda r: r['idle']['cpu_cores']['broker']),
    ('idle db CPU (cores, <=)', lambda r: r['idle']['cpu_cores']['db']),
    ('idle db transactions/s', lambda r: r['idle']['db_per_s']['xact_commit']),
    ('idle db rows updated/s', lambda r: r['idle']['db_per_s']['tup_updated']),
    ('idle db rows read/s', lambda r: r['idle']['db_per_s']['tup_returned']),
    ('load average (1 min)', lambda r: r['idle']['load_average'][0]),
    ('broker queues', lambda r: r['broker']['queues']),
    ('broker connections', lambda r: r['broker']['connections']),
    ('broker channels', lambda r: r['broker']['channels']),
    ('broker queue memory (MB)', lambda r: r['broker']['queue_memory_mb']),
    ('broker memory, all (MB)', lambda r: r['broker']['broker_memory_mb']),
    ('storm reboots', lambda r: r['storm']['reboots']),
    ('storm reboots/s', lambda r: r['storm']['reboots_per_s']),
    ('storm p50 accept->end (ms)', lambda r: r['storm']['latency_ms']['p50']),
    ('storm p99 accept->end (ms)', lambda r: r['storm']['latency_ms']['p99']),
    ('storm lost', lambda r: r['storm']['lost']),
    ('storm duplicated', lambda r: r['storm']['duplicated']),
    ('storm errors (non-202)', lambda r: r['storm']['errors']),
    ('tasks left in DB', lambda r: r['storm']['tasks_left_in_db']),
    ('storm CPU ms/reboot: api', lambda r: r['storm']['cpu_ms_per_reboot']['api']),
    ('storm CPU ms/reboot: hosts', lambda r: r['storm']['cpu_ms_per_reboot']['hosts']),
    ('storm CPU ms/reboot: broker (<=)',
     lambda r: r['storm']['cpu_ms_per_reboot']['broker']),
    ('storm CPU ms/reboot: db (<=)', lambda r: r['storm']['cpu_ms_per_reboot']['db']),
    ('storm db commits/reboot', lambda r: r['storm'].get('db_commits_per_reboot')),
    ('storm: threads, most in a hosts proc', lambda r: r['samples']['storm'][
        'max_threads_per_hosts_process']),
    ('storm: broker connections, most', lambda r: r['samples']['storm'][
        'max_broker_connections']),
    ('storm: load average (1 min), most', lambda r: r['samples']['storm']['load_1min_max']),
    ('death -> down (s)', lambda r: r.get('death', {}).get('seconds_to_down')),
    ('death -> watchdog end (s)', lambda r: r.get('death', {}).get('seconds_to_watchdog_end')),
)

PER_HOST = ('api', 'broker', 'db', 'hosts')


def per_thousand(runs):
    """Idle CPU (cores) and DB transactions per second, per 1,000 hosts, of each run."""
    out = []
    for run in runs:
        scale = 1000 / run['hosts']
        cpu = run['idle']['cpu_cores']
        out.append({'hosts': run['hosts'],
                    'idle_cpu_cores': {k: round(cpu[k] * scale, 3) for k in PER_HOST},
                    'db_xact_per_s': round(run['idle']['db_per_s']['xact_commit'] * scale, 1),
                    'broker_connections': round(run['broker']['connections'] * scale)})
    return out


def _cell(value):
    if value is None:
        return '-'
    return f'{value:g}' if isinstance(value, float) else str(value)


def _get(getter, run):
    try:
        return getter(run)
    except (KeyError, TypeError):
        return None


def table(doc):
    runs = doc['runs']
    width = max(len(name) for name, _ in ROWS) + 2
    lines = [''.ljust(width) + ''.join(f'{r["hosts"]:>12}' for r in runs)]
    for name, getter in ROWS[1:]:
        lines.append(name.ljust(width) + ''.join(f'{_cell(_get(getter, r)):>12}' for r in runs))
    lines.append('per 1,000 hosts (idle CPU, cores):')
    for name in PER_HOST:
        lines.append(f'  {name}'.ljust(width) + ''.join(
            f'{p["idle_cpu_cores"][name]:>12g}' for p in doc['per_1000_hosts']))
    return '\n'.join(lines)


IDLE_API_MAX = 0.05           # cores per 1,000 hosts
IDLE_BROKER_DB_MAX = 0.10     # cores per 1,000 hosts
RATE_RATIO_MIN = 0.8          # storm rate against the baseline's


def _verdict(ok):
    return 'met' if ok else 'NOT met'


def _machine(run):
    """Where a run's machine figures are: a storm's own, else a speed bench run's noise."""
    return run.get('storm') or run.get('noise') or {}


def speed_unit(run):
    """The machine's speed unit (bench/machine_speed.py) during a storm or a speed bench
    run, else the mean of before and after (older JSON), or None (not recorded)."""
    machine = _machine(run)
    if machine.get('speed_unit_ms_during'):
        return machine['speed_unit_ms_during']
    units = machine.get('speed_unit_ms') or [
        machine.get(key) for key in ('speed_unit_ms_before', 'speed_unit_ms_after')]
    units = [u for u in units if u]
    return round(sum(units) / len(units), 2) if units else None


def steal(run):
    """The hypervisor's share of the CPUs' time (%) during a storm or a speed bench run,
    or None (not recorded)."""
    return _machine(run).get('steal_percent')


def targets(doc, *, service_down_time, baseline=None):
    """One line per target per run (``baseline``: ``(label, reboots/s, speed unit, steal
    %)`` of the reference storm, else the first run's when there are several). Where both
    speed units are known, a line under the rate's says what the ratio would be had the
    machine run at the baseline's speed (the verdict stays the measured ratio's); where
    both steals are, another gives them."""
    runs = doc['runs']
    if baseline is None and len(runs) > 1 and runs[0].get('storm'):
        baseline = (f'{runs[0]["hosts"]}-host run', runs[0]['storm']['reboots_per_s'],
                    speed_unit(runs[0]), steal(runs[0]))
    lines = []
    for run, per in zip(runs, doc['per_1000_hosts'], strict=True):
        head = f'target ({run["hosts"]} hosts)'
        idle = per['idle_cpu_cores']
        lines.append(f'{head} idle api <= {IDLE_API_MAX} cores per 1,000 hosts: '
                     f'{idle["api"]:g} ({_verdict(idle["api"] <= IDLE_API_MAX)})')
        both = round(idle['broker'] + idle['db'], 3)
        lines.append(f'{head} idle broker + db <= {IDLE_BROKER_DB_MAX} cores per 1,000 '
                     f'hosts: {both:g} ({_verdict(both <= IDLE_BROKER_DB_MAX)})')
        down = (run.get('death') or {}).get('seconds_to_down')
        if down is not None:
            lines.append(f'{head} dead host down <= {2 * service_down_time} s: {down} '
                         f'({_verdict(down <= 2 * service_down_time)})')
        storm = run.get('storm')
        if storm:
            clean = storm['lost'] == 0 and storm['duplicated'] == 0
            lines.append(f'{head} storm of {storm["reboots"]}: lost {storm["lost"]}, '
                         f'duplicated {storm["duplicated"]} ({_verdict(clean)})')
            if baseline and baseline[0] != f'{run["hosts"]}-host run' and baseline[1]:
                ratio = round(storm['reboots_per_s'] / baseline[1], 2)
                lines.append(f'{head} storm rate >= {RATE_RATIO_MIN}x the {baseline[0]} '
                             f'({baseline[1]}/s): {storm["reboots_per_s"]}/s = {ratio}x '
                             f'({_verdict(ratio >= RATE_RATIO_MIN)})')
                now = speed_unit(run)
                adjusted = machine_speed.adjusted_ratio(ratio, baseline[2], now)
                if adjusted is not None:
                    lines.append(f'  machine speed unit {baseline[2]} ms at the baseline, '
                                 f'{now} ms around the storm: {adjusted}x at the '
                                 f"baseline's speed")
                if None not in (baseline[3], steal(run)):
                    lines.append(f'  steal {baseline[3]} % during the baseline, '
                                 f'{steal(run)} % during the storm')
    return lines


def baseline_of(path):
    """``(label, reboots/s, speed unit, steal %)`` (None: not recorded) of the reference
    storm in a JSON: a scale JSON's first run with a storm (``'4-host run'``), or a speed
    bench JSON's (``python -m bench --only split``) split run with the most computes at the
    most in flight — the issue's "4-compute figure of the speed benchmark" (``'speed bench, 4
    computes, 50 in flight'``)."""
    with open(path) as f:
        doc = json.load(f)
    for run in doc.get('runs', []):
        if run.get('storm'):
            return (f'{run["hosts"]}-host run', run['storm']['reboots_per_s'],
                    speed_unit(run), steal(run))
    split = [run for run in (doc.get('scenarios') or {}).get('split', [])
             if run.get('reboots_per_s')]
    if split:
        run = max(split, key=lambda r: (r['computes'], r['inflight']))
        return (f'speed bench, {run["computes"]} computes, {run["inflight"]} in flight',
                run['reboots_per_s'], speed_unit(run), steal(run))
    raise ValueError(f'{path}: no run with a storm and no split scenario')
