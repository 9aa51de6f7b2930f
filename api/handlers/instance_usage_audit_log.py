"""os-instance_usage_audit_log: how the computes' instance usage audits of a period went.

The period is the last completed ``[DEFAULT] instance_usage_audit_period`` (before now, or
before ``{before_timestamp}``); the rows are the task log the computes' audits write
through the conductor (compute/usage_audit.py).
"""

import datetime

import flask

from cepheid.api import helpers
from cepheid.api.db import services as db_services
from cepheid.api.db import task_log as db_task_log
from cepheid.api.policies import instance_usage_audit_log as policies
from cepheid.api.views import instance_usage_audit_log as views
from cepheid.common import audit_period
from cepheid.common import exception

TASK_NAME = 'instance_usage_audit'
COMPUTE = 'cepheid-compute'


def _report(before=None):
    unit = helpers.services().conf.instance_usage_audit_period
    begin, end = audit_period.last_completed(unit, before=before)
    with helpers.services().db.transaction() as session:
        task_logs = db_task_log.get_all(session, task_name=TASK_NAME, begin=begin, end=end)
        hosts = [s['host'] for s in db_services.service_list(session, binary=COMPUTE)]
    return views.audit_log(task_logs, hosts, begin, end)


def index():
    helpers.authorize(policies.AUDIT_LOG % 'list', {})
    return flask.jsonify({'instance_usage_audit_logs': _report()})


def show(before_timestamp):
    """``before_timestamp``: ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (400 otherwise, as Nova)."""
    helpers.authorize(policies.AUDIT_LOG % 'show', {})
    fmt = '%Y-%m-%d %H:%M:%S.%f' if '.' in before_timestamp else '%Y-%m-%d %H:%M:%S'
    try:
        before = datetime.datetime.strptime(before_timestamp, fmt)
    except ValueError as exc:
        raise exception.ValidationError(
            detail=f'Invalid timestamp for date {before_timestamp}') from exc
    return flask.jsonify({'instance_usage_audit_log': _report(before)})
