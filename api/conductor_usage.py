"""The instance usage audit's task log (conductor 1.6): a compute's audit of a period
begins once per host and period, and ends with its error count."""

from cepheid.api.db import task_log as db_task_log
from cepheid.api.db import tenant_usage as db_usage
from cepheid.common import exception
from cepheid.common import objects

USAGE_AUDIT = 'instance_usage_audit'


class UsageAuditConductor:
    """Mixin of ConductorEndpoint: ``usage_audit_begin`` and ``task_log_end_task``;
    needs ``db``."""

    def usage_audit_begin(self, context, *, host, begin, end):
        """1.6: begin ``host``'s instance usage audit of the period [begin, end] (ISO).

        None when the host has a task log row for it already (run, or running); else the
        instances of the host that existed in the period (deleted ones too), recorded as
        the RUNNING row's task items in the same transaction.
        """
        begin, end = objects.parse_time(begin), objects.parse_time(end)
        with self.db.transaction() as session:
            if db_task_log.get(session, task_name=USAGE_AUDIT, begin=begin, end=end,
                               host=host) is not None:
                return None
            instances = db_usage.active_by_window(session, begin=begin, end=end, host=host)
            try:
                db_task_log.begin_task(session, task_name=USAGE_AUDIT, begin=begin, end=end,
                                       host=host, task_items=len(instances),
                                       message='Instance usage audit started...')
            except exception.TaskAlreadyRunning:
                return None
        return [objects.instance_to_primitive(i) for i in instances]

    def task_log_end_task(self, context, *, host, task_name, begin, end, errors, message):
        """1.6: mark ``host``'s task log row of the period DONE with its error count."""
        with self.db.transaction() as session:
            db_task_log.end_task(session, task_name=task_name, begin=objects.parse_time(begin),
                                 end=objects.parse_time(end), host=host, errors=int(errors),
                                 message=str(message))
