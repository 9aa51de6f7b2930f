"""The scale run's table, and its figures scaled to 1,000 hosts."""

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
