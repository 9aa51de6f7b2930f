"""GET /os-instance_usage_audit_log(/{before_timestamp}): admin only, Nova's report shape
from the task log rows of the period, 400 for a bad timestamp."""

import datetime

import pytest

from cepheid.api.db import services as db_services
from cepheid.api.db import task_log as db_task_log
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
BEGIN = datetime.datetime(2026, 10, 1)
END = datetime.datetime(2026, 11, 1)


@pytest.fixture
def audited(db):
    """Three computes (month periods): a DONE with 3 instances and 1 error, b RUNNING."""
    with db.transaction() as session:
        for host in ('a', 'b', 'c'):
            db_services.heartbeat(session, host=host, binary='cepheid-compute', topic='c')
        db_task_log.begin_task(session, task_name='instance_usage_audit', begin=BEGIN,
                               end=END, host='a', task_items=3, message='started')
        db_task_log.end_task(session, task_name='instance_usage_audit', begin=BEGIN,
                             end=END, host='a', errors=1, message='ran')
        db_task_log.begin_task(session, task_name='instance_usage_audit', begin=BEGIN,
                               end=END, host='b', task_items=2, message='started')


def test_show_reports_the_period_before_the_timestamp(api, audited):
    resp = api.get('/v2.1/os-instance_usage_audit_log/2026-11-15%2012:00:00', token=ADMIN)
    assert resp.status_code == 200
    assert resp.get_json() == {'instance_usage_audit_log': {
        'period_beginning': '2026-10-01 00:00:00', 'period_ending': '2026-11-01 00:00:00',
        'num_hosts': 3, 'num_hosts_done': 1, 'num_hosts_running': 1,
        'num_hosts_not_run': 1, 'hosts_not_run': ['c'], 'total_instances': 5,
        'total_errors': 1, 'overall_status': '1 of 3 hosts done. 1 errors.',
        'log': {'a': {'state': 'DONE', 'instances': 3, 'errors': 1, 'message': 'ran'},
                'b': {'state': 'RUNNING', 'instances': 2, 'errors': 0,
                      'message': 'started'}}}}
    # With microseconds; and a timestamp in the next period reports that (empty) one.
    body = api.get('/v2.1/os-instance_usage_audit_log/2026-11-15%2012:00:00.5',
                   token=ADMIN).get_json()['instance_usage_audit_log']
    assert body['num_hosts_done'] == 1
    body = api.get('/v2.1/os-instance_usage_audit_log/2026-12-15%2012:00:00',
                   token=ADMIN).get_json()['instance_usage_audit_log']
    assert (body['period_beginning'], body['log'], body['num_hosts_not_run']) == (
        '2026-11-01 00:00:00', {}, 3)


def test_index_reports_the_last_completed_period(api, audited):
    body = api.get('/v2.1/os-instance_usage_audit_log', token=ADMIN).get_json()
    report = body['instance_usage_audit_logs']
    assert report['num_hosts'] == 3 and report['overall_status'].endswith('hosts done. 0 errors.')


def test_bad_timestamp_is_400(api):
    assert fault(api.get('/v2.1/os-instance_usage_audit_log/invalid_time', token=ADMIN)) == (
        'badRequest', 400, 'Invalid timestamp for date invalid_time')


@pytest.mark.parametrize('path', ['', '/2026-11-15%2012:00:00'])
def test_member_is_403(api, path):
    assert fault(api.get(f'/v2.1/os-instance_usage_audit_log{path}'))[:2] == (
        'forbidden', 403)
