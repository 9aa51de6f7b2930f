"""The compute's periodic instance usage audit (Nova's ``_instance_usage_audit``).

With ``[DEFAULT] instance_usage_audit`` on, every ``SPACING`` seconds the compute checks the
last completed ``instance_usage_audit_period``; the first time it sees a period it asks the
api service (the conductor: computes hold no database credentials) to begin the period's
task log row of this host, which answers with the host's instances of the period, sends an
``instance.exists`` notification for each, and ends the row with the error count. The rows
are what ``GET /os-instance_usage_audit_log`` reports.
"""

import threading
import time

from oslo_log import log as logging

from cepheid.common import audit_period
from cepheid.common import context as cep_context

LOG = logging.getLogger(__name__)

TASK_NAME = 'instance_usage_audit'
# Nova's default periodic task spacing.
SPACING = 60.0


class UsageAudit:
    def __init__(self, conf, *, host, conductor, notifier):
        self.conf = conf
        self.host = host
        self.conductor = conductor
        self.notifier = notifier
        self._stop = threading.Event()
        self._thread = None

    def run(self, context, *, now=None):
        """One pass; ``(instances, errors)`` when it audited a period, else None."""
        if not self.conf.instance_usage_audit:
            return None
        begin, end = audit_period.last_completed(self.conf.instance_usage_audit_period,
                                                 before=now)
        instances = self.conductor.usage_audit_begin(context, begin=begin, end=end)
        if instances is None:
            return None
        LOG.info('Running instance usage audit for host %s from %s to %s. %d instances.',
                 self.host, begin, end, len(instances))
        started = time.monotonic()
        errors = 0
        for instance in instances:
            try:
                self.notifier.notify_exists(context, instance, begin=begin, end=end)
            except Exception:
                LOG.exception('Failed to generate usage audit for instance %s on host %s',
                              instance['uuid'], self.host)
                errors += 1
        message = (f'Instance usage audit ran for host {self.host}, {len(instances)} '
                   f'instances in {time.monotonic() - started} seconds.')
        self.conductor.task_log_end_task(context, task_name=TASK_NAME, begin=begin, end=end,
                                         errors=errors, message=message)
        return len(instances), errors

    def _loop(self):
        while True:
            try:
                self.run(cep_context.get_admin_context())
            except Exception:
                LOG.exception('Instance usage audit of host %s failed', self.host)
            if self._stop.wait(SPACING):
                return

    def start(self):
        """Run now, then every SPACING seconds, in a thread (with instance_usage_audit on)."""
        if not self.conf.instance_usage_audit:
            return
        self._thread = threading.Thread(target=self._loop, name=f'usage-audit-{self.host}',
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
