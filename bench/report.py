"""The short table printed after a run, and the issue's targets checked against it."""

from bench import hop_floor
from bench import pg_counters
from bench import rate_sweep

TARGETS = {
    'inprocess_cpu_ms_per_reboot': ('<=', 2.5),
    'split_4_computes_reboots_per_s': ('>=', 250),
    'split_1_in_flight_p50_ms': ('<=', 5),
    'api_only_post_p99_ms': ('<=', 10),
    'compute_rss_mb_1000_instances': ('<=', 80),
    'api_rss_mb': ('<=', 100),
}


def _measured(results):
    inproc = results.get('inprocess') or {}
    four = [r['reboots_per_s'] for r in results.get('split', [])
            if r['computes'] == 4 and r['reboots_per_s']]
    one = [_p50(r) for r in _one_in_flight(results)]
    api = results.get('api_only') or {}
    memory = results.get('memory') or {}
    return {
        'inprocess_cpu_ms_per_reboot': inproc.get('cpu_ms_per_reboot'),
        'split_4_computes_reboots_per_s': max(four) if four else None,
        # every cluster's: met only when each one's is
        'split_1_in_flight_p50_ms': max(one) if one and None not in one else None,
        'api_only_post_p99_ms': (api.get('post_latency_ms') or {}).get('p99'),
        'compute_rss_mb_1000_instances': memory.get('rss_mb_after_reboots'),
        'api_rss_mb': memory.get('api_rss_mb_after_reboots'),
    }


def _one_in_flight(results):
    return [r for r in results.get('split', []) if r['inflight'] == 1]


def _p50(run):
    return (run.get('latency_ms') or {}).get('p50')


def _partial(results):
    """The targets measured on a run that did not complete (time cap, lost reboots)."""
    inproc = results.get('inprocess') or {}
    four = [r for r in results.get('split', []) if r['computes'] == 4]
    return {'inprocess_cpu_ms_per_reboot': inproc.get('complete') is False,
            'split_4_computes_reboots_per_s': any(r.get('complete') is False for r in four),
            'split_1_in_flight_p50_ms': any(r.get('complete') is False
                                            for r in _one_in_flight(results))}


def targets(results):
    """``{name: {target, measured, met}}`` (met is None when not measured; ``partial``
    when measured on a run that stopped short)."""
    out = {}
    partial = _partial(results)
    for name, value in _measured(results).items():
        op, goal = TARGETS[name]
        met = None if value is None else (value <= goal if op == '<=' else value >= goal)
        out[name] = {'target': f'{op} {goal}', 'measured': value, 'met': met}
        if partial.get(name):
            out[name]['partial'] = True
    return out


def _fmt(value, spec='.1f'):
    return '-' if value is None else format(value, spec)


def _row(name, run, cpu):
    lat = run.get('latency_ms') or {}
    return (f'{name:<34} {_fmt(run.get("reboots_per_s")):>9} {_fmt(lat.get("p50")):>8} '
            f'{_fmt(lat.get("p99")):>8} {_fmt(cpu, ".2f"):>11}')


def _db_line(run):
    db = run['db_per_reboot']
    line = (f'    database per reboot: {db["commits_per_reboot"]} commits, '
            f'{db["rows_fetched_per_reboot"]} rows fetched, '
            f'{db["rows_returned_per_reboot"]} returned')
    if db['rows_fetched_per_reboot'] > pg_counters.ROWS_FETCHED_WARNING:
        line += ' (a statement read far more rows than it changed: check the plans)'
    return line


def _phases_line(phases):
    return (f'    medians: REST → begin {phases["rest_to_begin_ms"]} ms, begin → end '
            f'{phases["begin_to_end_ms"]} ms (the api\'s timestamps, bench/action_phases.py)')


def _one_host_line(run):
    """The 1-in-flight p50 of one host's servers only against the run's own (all hosts)."""
    one = run['one_host']
    mine, theirs = run['latency_ms']['p50'], one['latency_ms']['p50']
    turns = (f'{mine - theirs:+.2f} ms for the computes taking turns'
             if mine is not None and theirs is not None else 'no comparison')
    partial = f'; partial: {one["note"]}' if one.get('complete') is False else ''
    return (f'    only {one["host"]}\'s {one["servers"]} servers, {one["reboots"]} reboots: '
            f'p50 {_fmt(theirs, ".2f")} ms ({turns}{partial})')


def table(doc):
    res = doc['scenarios']
    lines = [f'{"scenario":<34} {"reboot/s":>9} {"p50 ms":>8} {"p99 ms":>8} {"CPU ms/rbt":>11}']
    if 'inprocess' in res:
        run = res['inprocess']
        lines.append(_row(f'1 in-process ({run["drive"]}, {run["inflight"]} in flight)',
                          run, run.get('cpu_ms_per_reboot')))
        shapes = run.get('sql_per_reboot_by_shape')
        if shapes:
            lines.append(f'  SQL per reboot: {run.get("sql_statements_per_reboot")} statements, '
                         f'{run.get("commits_per_reboot")} commits: '
                         + ', '.join(f'{shape} {n}' for shape, n in shapes.items()))
    for run in res.get('split', []):
        name = (f'2 split {run["computes"]} compute(s), {run["inflight"]:>2} in flight')
        lines.append(_row(name, run, run.get('cpu_ms_per_reboot')))
    for run in res.get('split', []):
        upper = run.get('upper_bounds') or {}
        parts = ', '.join(f'{k} {"≤ " if k in upper else ""}{v:.2f}'
                          for k, v in (run.get('cpu_breakdown_ms_per_reboot') or {}).items())
        lines.append(f'  CPU ms/reboot c={run["computes"]} f={run["inflight"]}: {parts}')
        if upper:
            why = '; '.join(f'{k}: {", ".join(v)}' for k, v in upper.items())
            lines.append(f'    upper bounds ({why}); api + computes + own db backends: '
                         f'{_fmt(run.get("cpu_ms_per_reboot_lower_bound"), ".2f")} ms/reboot')
        if run.get('db_per_reboot'):
            lines.append(_db_line(run))
        if run.get('phases'):
            lines.append(_phases_line(run['phases']))
        if run.get('one_host'):
            lines.append(_one_host_line(run))
    if res.get('floor'):
        lines.extend(floor_lines(res['floor'], _one_in_flight(res)))
    if res.get('nova'):
        lines.extend(_nova_lines(res['nova'], res.get('side_by_side') or {}))
    lines.extend(_notes(res))
    if res.get('api_only'):
        api = res['api_only']
        lat = api['post_latency_ms']
        lines.append(f'3 API only: {api["offered_rate"]} req/s offered for {api["seconds"]} s, '
                     f'POST p50 {_fmt(lat["p50"], ".2f")} ms p99 {_fmt(lat["p99"], ".2f")} ms '
                     f'(statuses {api["status_counts"]})')
        if 'reboots_ended' in api:
            lines.append(f'  its {api["status_counts"].get("202", 0)} accepted reboots: '
                         f'{api["reboots_ended"]} ended, the last '
                         f'{api["drain_seconds"]} s after the run (the sweep starts then)')
        if api.get('sweep'):
            lines.append(rate_sweep.summary_line(api['sweep']))
    if res.get('memory'):
        mem = res['memory']
        lines.append(f'memory: compute VmRSS {mem["rss_mb_no_instances"]} MB empty, '
                     f'{mem["rss_mb_after_create"]} MB with {mem["instances_on_compute"]} '
                     f'instances, {mem["rss_mb_after_reboots"]} MB after reboots')
        if 'api_rss_mb_start' in mem:
            created = (f'{mem["api_rss_mb_after_create"]} MB with the servers created, '
                       if 'api_rss_mb_after_create' in mem else '')
            lines.append(f'memory: api VmRSS {mem["api_rss_mb_start"]} MB at start, {created}'
                         f'{mem["api_rss_mb_after_reboots"]} MB after the runs '
                         f'(peak {mem["api_hwm_mb"]} MB)')
    lines.append('')
    for name, item in doc['targets'].items():
        verdict = {True: 'met', False: 'NOT met', None: 'not measured'}[item['met']]
        partial = ', from a partial run' if item.get('partial') else ''
        lines.append(f'target {name} {item["target"]}: {item["measured"]} ({verdict}{partial})')
    return '\n'.join(lines)


def floor_lines(floors, one_in_flight):
    """Each floor's figures (one per cluster size; a single dict: an older JSON's floor,
    1 compute), what its computes' turns add to the 1-compute floor, and each 1-in-flight
    run's p50 as a multiple of the floor with as many computes (else the 1-compute one)."""
    floors = [floors] if isinstance(floors, dict) else floors
    by_computes = {floor.get('computes', 1): floor for floor in floors}
    lines = [hop_floor.line(floor) for floor in floors]
    alone = by_computes.get(1, {}).get('p50_ms')
    turns = [f'{count} computes {floor["p50_ms"] - alone:+.2f} ms'
             for count, floor in sorted(by_computes.items())
             if count > 1 and alone and floor.get('p50_ms')]
    if turns:
        lines.append("  the floor's computes taking turns: " + ', '.join(turns))
    ratios = []
    for run in one_in_flight:
        floor = by_computes.get(run['computes']) or by_computes.get(1) or {}
        if _p50(run) and floor.get('p50_ms'):
            ratios.append(f'{run["computes"]} compute(s) {_p50(run) / floor["p50_ms"]:.2f}×')
    if ratios:
        lines.append("  Cepheid's 1-in-flight p50 against the floor's with as many computes: "
                     + ', '.join(ratios))
    return lines


def _nova_lines(nova, pair):
    lines = [_row(f'Nova {nova.get("nova_version")} harness (1 in flight)', nova,
                  nova.get('cpu_ms_per_reboot'))]
    counts = pair.get('reboots') or {}
    same = len(set(counts.values())) == 1
    reboots = (f'{counts.get("nova")} reboots each' if same else
               f'{counts.get("nova")} (Nova) and {counts.get("cepheid")} (Cepheid) reboots')
    lines.append(f'side by side, {reboots}: Nova '
                 f'{_fmt(pair.get("nova_cpu_ms_per_reboot"), ".2f")} ms, Cepheid '
                 f'{_fmt(pair.get("cepheid_cpu_ms_per_reboot"), ".2f")} ms CPU per reboot: '
                 f'ratio {_fmt(pair.get("ratio"), ".2f")}x'
                 + ('' if pair.get('complete') else ' (a run did not complete: see notes)'))
    return lines


def _runs(res):
    if res.get('inprocess'):
        yield '1 in-process', res['inprocess']
    for run in res.get('split', []):
        yield f'2 split c={run["computes"]} f={run["inflight"]}', run
    if res.get('nova'):
        yield 'Nova harness', res['nova']


def _notes(res):
    """A line per run stopped short (time cap) and per run measured on a busy machine."""
    lines = []
    for name, run in _runs(res):
        if run.get('note'):
            lines.append(f'NOTE {name}: {run["note"]}: its figures are of a partial run')
        machine = run.get('noise') or {}
        if machine:
            top = ', '.join(f'{n} {s:.1f}s' for n, s in machine['top_other_processes'])
            lines.append(f'  {"NOISY " if machine["noisy"] else ""}machine during {name}: '
                         f'load {machine["loadavg_1m_before"]}→{machine["loadavg_1m_after"]} '
                         f'on {machine["cpus"]} CPUs, other processes '
                         f'{machine["other_cores_busy"]:.2f} cores busy ({top})'
                         + _steal(machine) + _speed(machine))
    return lines


def _steal(machine):
    """``, steal X %`` (the hypervisor's share of the CPUs' time), or nothing (older JSON)."""
    if machine.get('steal_percent') is None:
        return ''
    return f', steal {machine["steal_percent"]} %'


def _speed(machine):
    """``, speed unit X→Y ms (Z during)`` (bench/machine_speed.py), or nothing (older
    JSON)."""
    if machine.get('speed_unit_ms_before') is None:
        return ''
    during = machine.get('speed_unit_ms_during')
    return (f', speed unit {machine["speed_unit_ms_before"]}→'
            f'{machine["speed_unit_ms_after"]} ms'
            + (f' ({during} during)' if during is not None else ''))


def _comparable(res):
    """``{name: (reboots/s, CPU ms/reboot, p50 ms, load before→after)}`` of one run."""
    out = {}
    for name, run in _runs(res):
        if name == 'Nova harness':
            continue
        machine = run.get('noise') or {}
        out[name] = (run.get('reboots_per_s'), run.get('cpu_ms_per_reboot'),
                     (run.get('latency_ms') or {}).get('p50'),
                     f'{machine.get("loadavg_1m_before")}→{machine.get("loadavg_1m_after")}')
    return out


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _ratio(a, b):
    return None if not a or not b else a / b


def group_commit_comparison(docs):
    """Group commit off vs on in one invocation: each run's figures with its load, then
    per scenario the means and the ratios (CPU off/on: how many times less CPU with it;
    throughput on/off)."""
    lines = ['group commit, off vs on (runs alternate; load average 1 min before→after):',
             f'{"scenario":<22} {"gc":>3} {"reboot/s":>9} {"CPU ms/rbt":>11} {"p50 ms":>8}  load']
    by_setting = {False: {}, True: {}}
    for doc in docs:
        setting = bool(doc['meta']['group_commit'])
        for name, (rate, cpu, p50, load) in _comparable(doc['scenarios']).items():
            by_setting[setting].setdefault(name, []).append((rate, cpu, p50))
            lines.append(f'{name:<22} {"on" if setting else "off":>3} {_fmt(rate):>9} '
                         f'{_fmt(cpu, ".2f"):>11} {_fmt(p50, ".1f"):>8}  {load}')
    lines.append('ratios (means over the runs of each setting):')
    for name, offs in by_setting[False].items():
        ons = by_setting[True].get(name)
        if not ons:
            continue
        off_rate, off_cpu, off_p50 = (_mean(col) for col in zip(*offs, strict=True))
        on_rate, on_cpu, on_p50 = (_mean(col) for col in zip(*ons, strict=True))
        lines.append(f'  {name}: CPU/reboot off/on {_fmt(_ratio(off_cpu, on_cpu), ".2f")}x, '
                     f'reboots/s on/off {_fmt(_ratio(on_rate, off_rate), ".2f")}x, '
                     f'p50 on/off {_fmt(_ratio(on_p50, off_p50), ".2f")}x')
    return '\n'.join(lines)
