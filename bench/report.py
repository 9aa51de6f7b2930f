"""The short table printed after a run, and the issue's targets checked against it."""

TARGETS = {
    'inprocess_cpu_ms_per_reboot': ('<=', 2.5),
    'split_4_computes_reboots_per_s': ('>=', 250),
    'api_only_post_p99_ms': ('<=', 10),
    'compute_rss_mb_1000_instances': ('<=', 80),
}


def _measured(results):
    inproc = results.get('inprocess') or {}
    four = [r['reboots_per_s'] for r in results.get('split', [])
            if r['computes'] == 4 and r['reboots_per_s']]
    api = results.get('api_only') or {}
    memory = results.get('memory') or {}
    return {
        'inprocess_cpu_ms_per_reboot': inproc.get('cpu_ms_per_reboot'),
        'split_4_computes_reboots_per_s': max(four) if four else None,
        'api_only_post_p99_ms': (api.get('post_latency_ms') or {}).get('p99'),
        'compute_rss_mb_1000_instances': memory.get('rss_mb_after_reboots'),
    }


def targets(results):
    """``{name: {target, measured, met}}`` (met is None when not measured)."""
    out = {}
    for name, value in _measured(results).items():
        op, goal = TARGETS[name]
        met = None if value is None else (value <= goal if op == '<=' else value >= goal)
        out[name] = {'target': f'{op} {goal}', 'measured': value, 'met': met}
    return out


def _fmt(value, spec='.1f'):
    return '-' if value is None else format(value, spec)


def _row(name, run, cpu):
    lat = run.get('latency_ms') or {}
    return (f'{name:<34} {_fmt(run.get("reboots_per_s")):>9} {_fmt(lat.get("p50")):>8} '
            f'{_fmt(lat.get("p99")):>8} {_fmt(cpu, ".2f"):>11}')


def table(doc):
    res = doc['scenarios']
    lines = [f'{"scenario":<34} {"reboot/s":>9} {"p50 ms":>8} {"p99 ms":>8} {"CPU ms/rbt":>11}']
    if 'inprocess' in res:
        run = res['inprocess']
        lines.append(_row(f'1 in-process ({run["drive"]}, {run["inflight"]} in flight)',
                          run, run.get('cpu_ms_per_reboot')))
    for run in res.get('split', []):
        name = (f'2 split {run["computes"]} compute(s), {run["inflight"]:>2} in flight')
        lines.append(_row(name, run, run.get('cpu_ms_per_reboot')))
    for run in res.get('split', []):
        parts = ', '.join(f'{k} {v:.2f}' for k, v in run['cpu_breakdown_ms_per_reboot'].items())
        lines.append(f'  CPU ms/reboot c={run["computes"]} f={run["inflight"]}: {parts}')
    if res.get('api_only'):
        api = res['api_only']
        lat = api['post_latency_ms']
        lines.append(f'3 API only: {api["offered_rate"]} req/s offered for {api["seconds"]} s, '
                     f'POST p50 {_fmt(lat["p50"], ".2f")} ms p99 {_fmt(lat["p99"], ".2f")} ms '
                     f'(statuses {api["status_counts"]})')
    if res.get('memory'):
        mem = res['memory']
        lines.append(f'memory: compute VmRSS {mem["rss_mb_no_instances"]} MB empty, '
                     f'{mem["rss_mb_after_create"]} MB with {mem["instances_on_compute"]} '
                     f'instances, {mem["rss_mb_after_reboots"]} MB after reboots')
    lines.append('')
    for name, item in doc['targets'].items():
        verdict = {True: 'met', False: 'NOT met', None: 'not measured'}[item['met']]
        lines.append(f'target {name} {item["target"]}: {item["measured"]} ({verdict})')
    return '\n'.join(lines)
