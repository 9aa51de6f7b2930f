"""What one caller sees: instances with their buttons, hosts, timelines (JSON-able)."""

from cepheid.api import policy
from cepheid.api.dashboard import permissions
from cepheid.api.dashboard import summaries
from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.api.db import store as db_store
from cepheid.api.policies import servers as server_policies
from cepheid.api.policies import services as service_policies


class Viewer:
    """One caller's view: ``context`` filtered by project and policy (``enforcer``)."""

    def __init__(self, context, enforcer, database, conf, queue_depth=None):
        self.context, self.enforcer, self.db, self.conf = context, enforcer, database, conf
        self.queue_depth = queue_depth      # api/rpc_queue_depth.RpcQueueDepth or None
        self.sees_hosts = self._may(service_policies.SERVICES % 'list')

    def _may(self, rule, target=None):
        return policy.check(self.context, rule, target, enforcer=self.enforcer)

    def me(self):
        ctx = self.context
        return {'user_id': ctx.user_id, 'project_id': ctx.project_id, 'roles': ctx.roles,
                'is_admin': ctx.is_admin}

    def visible(self, summary):
        return self.context.is_admin or summary['project_id'] == self.context.project_id

    def instance(self, summary):
        """``summary`` with status, buttons (None = enabled, else why not); the host only
        for callers allowed to see hosts (as the API's extended attributes)."""
        view = summaries.with_status(summary)
        view['buttons'] = permissions.buttons(self.context, summary, enforcer=self.enforcer)
        target = {'project_id': summary['project_id'], 'user_id': summary['user_id']}
        if not self._may(server_policies.EXTENDED_ATTRS, target):
            view['host'] = None
        return view

    def instances(self):
        project_id = None if self.context.is_admin else self.context.project_id
        with self.db.transaction() as session:
            rows = db_instances.get_all(session, project_id=project_id)
        return [self.instance(summaries.from_row(r)) for r in rows]

    def hosts(self):
        """Compute hosts: up/down, instances, tasks in flight (instances with a
        task_state) and ``queue_depth``, the messages ready in the broker's
        ``compute.<host>`` queue (None when unknown); None unless allowed."""
        if not self.sees_hosts:
            return None
        with self.db.transaction() as session:
            services = db_services.service_list(session, binary=db_store.COMPUTE_BINARY)
            rows = db_instances.get_all(session)
        counts, busy = {}, {}
        for row in rows:
            counts[row['host']] = counts.get(row['host'], 0) + 1
            if row['task_state'] is not None:
                busy[row['host']] = busy.get(row['host'], 0) + 1
        depths = (self.queue_depth.depths([s['host'] for s in services])
                  if self.queue_depth is not None else {})
        return [{'host': s['host'], 'up': db_services.is_up(s, self.conf.service_down_time),
                 'disabled': bool(s['disabled']), 'instances': counts.get(s['host'], 0),
                 'tasks_in_flight': busy.get(s['host'], 0),
                 'queue_depth': depths.get(s['host']),
                 'last_seen_up': summaries.iso(s['last_seen_up'])}
                for s in services]

    def timeline(self, instance, live_entries):
        """The instance's action events from the database and the entries seen live,
        oldest first."""
        entries = list(live_entries)
        with self.db.transaction() as session:
            for action in db_actions.action_list(session, instance['uuid'], limit=20):
                events = db_actions.event_list(session, action['id'])
                entries += summaries.action_entries(action, events)
        if not any(e['source'] == 'db' for e in entries):
            entries.append(summaries.state_entry(summaries.from_row(instance)))
        return sorted(entries, key=lambda e: e['time'] or '')

