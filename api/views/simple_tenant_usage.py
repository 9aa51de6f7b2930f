"""os-simple-tenant-usage computations: Nova's hours in the window and per-tenant totals.

Times are naive UTC datetimes (as the database keeps them).
"""

from cepheid.api.views import formats


def hours_for(instance, period_start, period_stop):
    """Hours ``instance`` ran within [period_start, period_stop] (0 when not launched)."""
    launched_at, terminated_at = instance['launched_at'], instance['terminated_at']
    if terminated_at is not None and terminated_at < period_start:
        return 0
    if launched_at is None or launched_at > period_stop:
        return 0
    start = max(launched_at, period_start)
    stop = min(period_stop, terminated_at) if terminated_at is not None else period_stop
    return (stop - start).total_seconds() / 3600.0


def server_usage(instance, period_start, period_stop, now):
    """One entry of ``server_usages``."""
    ended_at = instance['terminated_at']
    started_at = instance['launched_at']
    return {
        'hours': hours_for(instance, period_start, period_stop),
        'flavor': instance['flavor_name'] or '',
        'instance_id': instance['uuid'],
        'name': instance['display_name'],
        'tenant_id': instance['project_id'],
        'memory_mb': instance['memory_mb'],
        'local_gb': instance['root_gb'] + (instance['ephemeral_gb'] or 0),
        'vcpus': instance['vcpus'],
        'started_at': formats.perfect_time(started_at),
        'ended_at': formats.perfect_time(ended_at),
        'state': 'terminated' if ended_at is not None else instance['vm_state'],
        'uptime': int(((ended_at or now) - started_at).total_seconds()),
    }


def tenant_usages(instances, period_start, period_stop, now, *, detailed):
    """(per-tenant summaries in first-seen order, every server usage)."""
    summaries = {}
    all_usages = []
    for instance in instances:
        usage = server_usage(instance, period_start, period_stop, now)
        summary = summaries.get(usage['tenant_id'])
        if summary is None:
            summary = summaries[usage['tenant_id']] = {
                'tenant_id': usage['tenant_id'],
                **({'server_usages': []} if detailed else {}),
                'total_local_gb_usage': 0, 'total_vcpus_usage': 0,
                'total_memory_mb_usage': 0, 'total_hours': 0,
                'start': formats.perfect_time(period_start),
                'stop': formats.perfect_time(period_stop),
            }
        summary['total_local_gb_usage'] += usage['local_gb'] * usage['hours']
        summary['total_vcpus_usage'] += usage['vcpus'] * usage['hours']
        summary['total_memory_mb_usage'] += usage['memory_mb'] * usage['hours']
        summary['total_hours'] += usage['hours']
        all_usages.append(usage)
        if detailed:
            summary['server_usages'].append(usage)
    return list(summaries.values()), all_usages
