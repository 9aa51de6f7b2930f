"""The instance usage audit report of one period: Nova's summary of the task log rows."""


def audit_log(task_logs, compute_hosts, begin, end):
    """``task_logs``: the period's rows; ``compute_hosts``: every compute service's host
    (disabled ones too: they may have instances)."""
    hosts = set(compute_hosts)
    seen = {t['host'] for t in task_logs}
    done = {t['host'] for t in task_logs if t['state'] == 'DONE'}
    running = {t['host'] for t in task_logs if t['state'] == 'RUNNING'}
    total_errors = sum(t['errors'] for t in task_logs)
    total_items = sum(t['task_items'] for t in task_logs)
    done_part = 'ALL' if len(done) == len(hosts) else f'{len(done)} of {len(hosts)}'
    not_run = sorted(hosts - seen)
    return {
        'period_beginning': str(begin),
        'period_ending': str(end),
        'num_hosts': len(hosts),
        'num_hosts_done': len(done),
        'num_hosts_running': len(running),
        'num_hosts_not_run': len(not_run),
        'hosts_not_run': not_run,
        'total_instances': total_items,
        'total_errors': total_errors,
        'overall_status': f'{done_part} hosts done. {total_errors} errors.',
        'log': {t['host']: {'state': t['state'], 'instances': t['task_items'],
                            'errors': t['errors'], 'message': t['message']}
                for t in task_logs},
    }
