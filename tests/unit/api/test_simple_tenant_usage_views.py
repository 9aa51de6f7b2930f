"""os-simple-tenant-usage computations: hours within the window, per-tenant totals."""

import datetime

import pytest

from cepheid.api.views import simple_tenant_usage as views

T0 = datetime.datetime(2026, 1, 1, 0, 0, 0)
H = datetime.timedelta(hours=1)


def _instance(uuid='u1', project='p1', launched=T0, terminated=None, **kw):
    values = {'uuid': uuid, 'project_id': project, 'display_name': f'vm-{uuid}',
              'flavor_name': 'm1.small', 'vcpus': 2, 'memory_mb': 2048, 'root_gb': 20,
              'ephemeral_gb': 5, 'vm_state': 'active', 'launched_at': launched,
              'terminated_at': terminated}
    values.update(kw)
    return values


@pytest.mark.parametrize('launched, terminated, hours', [
    (T0, None, 10.0),                 # ran through the window [T0, T0+10h]
    (T0 - 5 * H, None, 10.0),         # launched before: charged from the window's start
    (T0 + 4 * H, None, 6.0),          # launched inside
    (T0 + 2 * H, T0 + 3.5 * H, 1.5),  # launched and terminated inside
    (T0 - 5 * H, T0 + H, 1.0),        # terminated inside
    (T0 - 5 * H, T0 - H, 0),          # terminated before the window
    (T0 + 11 * H, None, 0),           # launched after the window
    (None, None, 0),                  # never launched
])
def test_hours_for_counts_only_the_time_inside_the_window(launched, terminated, hours):
    instance = _instance(launched=launched, terminated=terminated)
    assert views.hours_for(instance, T0, T0 + 10 * H) == pytest.approx(hours)


def test_server_usage_of_a_terminated_instance():
    usage = views.server_usage(_instance(terminated=T0 + 2 * H, vm_state='deleted'),
                               T0, T0 + 10 * H, now=T0 + 20 * H)
    assert usage == {
        'hours': 2.0, 'flavor': 'm1.small', 'instance_id': 'u1', 'name': 'vm-u1',
        'tenant_id': 'p1', 'memory_mb': 2048, 'local_gb': 25, 'vcpus': 2,
        'started_at': '2026-01-01T00:00:00.000000', 'ended_at': '2026-01-01T02:00:00.000000',
        'state': 'terminated', 'uptime': 7200}


def test_live_instance_uptime_runs_to_now():
    usage = views.server_usage(_instance(), T0, T0 + H, now=T0 + 3 * H)
    assert (usage['state'], usage['ended_at'], usage['uptime']) == ('active', None, 10800)


def test_tenant_totals_weight_resources_by_hours():
    instances = [_instance('a', 'p1'), _instance('b', 'p1', launched=T0 + 5 * H),
                 _instance('c', 'p2', vcpus=1, memory_mb=512, root_gb=1, ephemeral_gb=0)]
    summaries, usages = views.tenant_usages(instances, T0, T0 + 10 * H, T0 + 10 * H,
                                            detailed=False)
    assert [u['instance_id'] for u in usages] == ['a', 'b', 'c']
    p1, p2 = summaries
    assert p1 == {'tenant_id': 'p1', 'total_hours': 15.0, 'total_vcpus_usage': 30.0,
                  'total_memory_mb_usage': 30720.0, 'total_local_gb_usage': 375.0,
                  'start': '2026-01-01T00:00:00.000000', 'stop': '2026-01-01T10:00:00.000000'}
    assert (p2['total_hours'], p2['total_vcpus_usage'], p2['total_local_gb_usage']) == (
        10.0, 10.0, 10.0)
    detailed, _ = views.tenant_usages(instances, T0, T0 + 10 * H, T0, detailed=True)
    assert [u['instance_id'] for u in detailed[0]['server_usages']] == ['a', 'b']
