"""Brings instance changes into this api process's hub, from every api process.

Publisher: after each database commit that changed instances (a REST request's guarded CAS
or a conductor call from a compute), the new rows are sent from a background thread (the
committing thread never waits) as a fanout cast on the api's own RPC topic (``cepheid-api``,
namespace ``cepheid_dashboard``): every api process's conductor RPC server already has a
fanout queue of its own, consumed while it lives, so every process gets every change and
no queue keeps them for nobody (a notifier would fill its topic's default queue).
Listener: each api process listens on the versioned notifications with a pool of its own
(``cepheid-dashboard-<host>-<worker slot>``) for the timeline entries.
"""

import collections
import threading
import time

import oslo_messaging
from oslo_log import log as logging

from cepheid.api import conductor
from cepheid.api import workers
from cepheid.api.dashboard import hub as dashboard_hub
from cepheid.api.dashboard import summaries
from cepheid.api.db import instances as db_instances
from cepheid.common import context as cep_context
from cepheid.common import rpc

LOG = logging.getLogger(__name__)

# The RPC namespace of the changes, cast (fanout) to every api process's conductor server.
NAMESPACE = 'cepheid_dashboard'
VERSION = '1.0'
METHOD = 'instances_changed'
MAX_BATCH = 100
# After a message the sender lets changes gather this long before the next one (commits
# meanwhile queue without waking it): at most one wake-up per interval under load, and
# the first change after a quiet spell still goes at once.
GATHER_SECONDS = 0.01
# Threads of the notification listener: its endpoint only files an entry under the hub's
# lock, so more threads buy nothing (oslo.messaging's default, 64, each kept once started,
# cost the api ~64 idle threads' stacks and state).
LISTENER_THREADS = 2


def pool_name(conf):
    return f"cepheid-dashboard-{conf.host}-{workers.worker_slot()}"


class Publisher:
    """Sends the instances changed by each committed transaction of ``database``.

    A commit only appends its changed rows to a queue (no lock, no summary made there),
    and wakes the sender thread only when it is idle; after each message the sender
    lets changes gather for GATHER_SECONDS, so under load most commits hand nothing
    over to another thread.
    """

    def __init__(self, database, transport):
        target = oslo_messaging.Target(topic=conductor.TOPIC, namespace=NAMESPACE,
                                       version=VERSION, fanout=True)
        self._client = oslo_messaging.get_rpc_client(
            transport, target, serializer=rpc.RequestContextSerializer())
        self._context = cep_context.get_admin_context()
        self._init_queue()
        self._thread = threading.Thread(target=self._run, name='dashboard-publisher',
                                        daemon=True)
        database.on_commit(self._committed)

    def _init_queue(self):
        self._pending = collections.deque()     # lists of changed rows, in commit order
        self._rows = collections.deque()        # the sender's: rows not yet sent
        self._wake = threading.Event()
        self._idle = True
        self._running = self._stopping = False

    def _committed(self, session):
        rows = session.info.get(db_instances.CHANGED)
        if not self._running or not rows:
            return
        self._pending.append(rows)
        if self._idle:
            self._idle = False
            self._wake.set()

    def _run(self):
        while (batch := self._next_batch()) is not None:
            try:
                self._client.cast(self._context, METHOD, instances=batch)
            except Exception:   # the bus is away: the dashboard misses a step, nothing else
                LOG.warning('Dashboard update of %d instance(s) not sent', len(batch),
                            exc_info=True)
            if not self._stopping:
                time.sleep(GATHER_SECONDS)

    def _next_batch(self):
        """The summaries of the changes queued (at most MAX_BATCH: one message for all
        of them), waiting for one; None when stopped and every change is sent."""
        while True:
            while self._pending and len(self._rows) < MAX_BATCH:
                self._rows.extend(self._pending.popleft())
            if self._rows:
                count = min(MAX_BATCH, len(self._rows))
                return [summaries.from_row(self._rows.popleft()) for _ in range(count)]
            if self._stopping:
                return None
            self._idle = True
            if self._pending:       # queued between the check above and going idle
                self._idle = False
                continue
            self._wake.wait()
            self._wake.clear()

    def start(self):
        self._running = True
        self._thread.start()

    def stop(self):
        self._running = False
        self._stopping = True
        self._wake.set()
        self._thread.join(5)


class ChangesEndpoint:
    """RPC endpoint (on the conductor server): the changes every api process casts, into
    the hub (dropped when this process has no live feed)."""

    target = oslo_messaging.Target(namespace=NAMESPACE, version=VERSION)

    def __init__(self, hub, live):
        self.hub, self.live = hub, live

    def instances_changed(self, ctxt, *, instances):
        if not self.live:
            return
        for summary in instances:
            try:
                previous = self.hub.latest(summary['uuid'])
                entry = (summaries.state_entry(summary)
                         if summaries.changed(previous, summary) else None)
                self.hub.publish_instance(summary, entry)
            except Exception:
                LOG.exception('Dashboard could not use the change of %s', summary.get('uuid'))


class Endpoint:
    """Notification endpoint: the versioned notifications into the hub's timelines."""

    def __init__(self, hub):
        self.hub = hub

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        try:
            self._handle(event_type, payload, metadata)
        except Exception:
            LOG.exception('Dashboard could not use %s', event_type)

    error = warn = info

    def _handle(self, event_type, payload, metadata):
        data = payload.get('nova_object.data') if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not data.get('uuid'):
            return
        if event_type == 'instance.delete.end':
            self.hub.publish_deleted(data['uuid'])
            return
        self.hub.publish_entry(data['uuid'], summaries.notification_entry(
            event_type, data, metadata.get('timestamp')))


class Feed:
    """The hub of this process with its publisher and listener (none of them, only an
    empty hub, with ``[api] dashboard_feed = false``: ``live`` is then False).
    ``endpoint`` goes on the conductor RPC server (always: a process without a live feed
    drops the changes other processes cast)."""

    def __init__(self, conf, database, transport, notification_transport):
        self.hub = dashboard_hub.Hub()
        self.live = conf.api.dashboard_feed
        self.endpoint = ChangesEndpoint(self.hub, self.live)
        self.publisher = self.listener = None
        if not self.live:
            return
        self.publisher = Publisher(database, transport)
        targets = [oslo_messaging.Target(topic=t)
                   for t in conf.notifications.versioned_notifications_topics]
        kwargs = {'executor': 'eventlet'} if conf.executor == 'eventlet' else {}
        self.listener = oslo_messaging.get_notification_listener(
            notification_transport, targets, [Endpoint(self.hub)], pool=pool_name(conf),
            allow_requeue=False, **kwargs)

    def start(self):
        if self.live:
            self.publisher.start()
            self.listener.start(override_pool_size=LISTENER_THREADS)

    def stop(self):
        self.hub.close()
        if self.live:
            self.listener.stop()
            self.listener.wait()
            self.publisher.stop()
