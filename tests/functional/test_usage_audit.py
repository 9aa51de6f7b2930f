"""The instance usage audit end to end: a compute's periodic pass writes its task log row
through the conductor (fake://), sends instance.exists, and os-instance_usage_audit_log
reports it."""

import datetime
import urllib.parse

from cepheid.common import context as cep_context
from tests.fixtures import http


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def test_a_compute_audit_is_reported_and_runs_once_per_period(stack, client, server):
    stack.conf.set_override('instance_usage_audit', True)
    stack.conf.set_override('instance_usage_audit_period', 'hour')
    later = _now() + datetime.timedelta(hours=2)   # the server ran in the last hour then
    audit = stack.computes['compute1'].usage_audit
    assert audit.run(cep_context.get_admin_context(), now=later) == (1, 0)
    assert audit.run(cep_context.get_admin_context(), now=later) is None   # done already

    events = stack.recorder.wait_for(
        lambda evs: {'instance.exists', 'compute.instance.exists'} <= {e[2] for e in evs})
    exists = next(e[3] for e in events if e[2] == 'instance.exists')
    assert exists['nova_object.name'] == 'InstanceExistsPayload'
    assert exists['nova_object.data']['uuid'] == server['id']
    period = exists['nova_object.data']['audit_period']['nova_object.data']
    end = later.replace(minute=0, second=0, microsecond=0)
    assert period['audit_period_ending'] == end.strftime('%Y-%m-%dT%H:%M:%SZ')

    stamp = urllib.parse.quote(later.strftime('%Y-%m-%d %H:%M:%S'))
    status, body = client.get(f'/os-instance_usage_audit_log/{stamp}', token=http.ADMIN)
    assert status == 200, body
    report = body['instance_usage_audit_log']
    assert report['period_ending'] == str(end)
    assert (report['num_hosts'], report['num_hosts_done'], report['num_hosts_not_run'],
            report['hosts_not_run'], report['total_instances']) == (2, 1, 1, ['compute2'], 1)
    assert report['overall_status'] == '1 of 2 hosts done. 0 errors.'
    assert report['log']['compute1']['state'] == 'DONE'
    assert report['log']['compute1']['message'].startswith(
        'Instance usage audit ran for host compute1, 1 instances in ')
    # The current period (before now) has no audit yet.
    status, body = client.get('/os-instance_usage_audit_log', token=http.ADMIN)
    assert body['instance_usage_audit_logs']['num_hosts_not_run'] == 2


def test_the_audit_is_off_by_default(stack):
    audit = stack.computes['compute1'].usage_audit
    assert audit.run(cep_context.get_admin_context()) is None
    assert audit._thread is None
