"""Brings instance changes into this api process's hub, from every api process.

Publisher: after each database commit that changed instances (a REST request's guarded CAS
or a conductor call from a compute), the new rows are sent from a background thread (the
committing thread never waits) as a fanout cast on the api's own RPC topic (``cepheid-api``,
namespace ``cepheid_dashboard``): every api process's conductor RPC server already has a
fanout queue of its own, consumed while it lives, so every process gets every change and
no queue keeps them for nobody (a notifier would fill its topic's default queue).
Listener: each api process listens on the versioned notifications with a pool of its own
(``cepheid-dashboard-<host>-<worker slot>``) for the timeline entries.
Both run only while someone watches (api/dashboard/interest.py): a process casts its
changes only while its lease is fresh, and starts its listener with its first stream.
"""

import collections
import threading
import time

import oslo_messaging
from oslo_log import log as logging

from cepheid.api import conductor
from cepheid.api import workers
from cepheid.api.dashboard import hub as dashboard_hub
from cepheid.api.dashboard import interest as dashboard_interest
from cepheid.api.dashboard import summaries
from cepheid.api.db import instances as db_instances
from cepheid.common import context as cep_context
from cepheid.common import rpc

LOG = logging.getLogger(__name__)

# The RPC namespace of the changes, cast (fanout) to every api process's conductor server.
NAMESPACE = 'cepheid_dashboard'
VERSION = '1.1'          # 1.1: dashboard_watched
METHOD = 'instances_changed'
WATCHED = 'dashboard_watched'
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

    def __init__(self, database, transport, interest):
        target = oslo_messaging.Target(topic=conductor.TOPIC, namespace=NAMESPACE,
                                       version='1.0', fanout=True)
        self._client = oslo_messaging.get_rpc_client(
            transport, target, serializer=rpc.RequestContextSerializer())
        # The renewals fail at once when the broker is away (a stream never waits on it).
        self._renewals = self._client.prepare(version=VERSION, retry=0)
        self._context = cep_context.get_admin_context()
        self._interest = interest
        self.sent = 0           # messages of changes cast
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
        if not self._running or not rows or not self._interest.watched():
            return
        self._pending.append(rows)
        if self._idle:
            self._idle = False
            self._wake.set()

    def _run(self):
        while (batch := self._next_batch()) is not None:
            try:
                self._client.cast(self._context, METHOD, instances=batch)
                self.sent += 1
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

    def renew_everywhere(self, seconds):
        """Renew the lease of every api process (this one's renewal is the caller's)."""
        try:
            self._renewals.cast(self._context, WATCHED, seconds=seconds)
        except Exception as exc:    # the bus is away: the others' changes wait for it
            LOG.warning('Dashboard lease not renewed in the other api processes: %s', exc)

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

    def __init__(self, hub, live, interest):
        self.hub, self.live, self.interest = hub, live, interest

    def dashboard_watched(self, ctxt, *, seconds):
        """A stream is open in some api process: cast the changes for ``seconds`` more."""
        if self.live:
            self.interest.renew(seconds)

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
    drops the changes other processes cast). The publisher casts only while someone
    watches, and the listener starts with this process's first stream (``watch``)."""

    def __init__(self, conf, database, transport, notification_transport, *,
                 interest=None):
        self.hub = dashboard_hub.Hub()
        self.live = conf.api.dashboard_feed
        self.interest = interest or dashboard_interest.Interest()
        self.endpoint = ChangesEndpoint(self.hub, self.live, self.interest)
        self.publisher = self.listener = None
        self._listening = self._stopped = False
        self._lock = threading.Lock()
        if not self.live:
            return
        self.publisher = Publisher(database, transport, self.interest)
        targets = [oslo_messaging.Target(topic=t)
                   for t in conf.notifications.versioned_notifications_topics]
        kwargs = {'executor': 'eventlet'} if conf.executor == 'eventlet' else {}
        self.listener = oslo_messaging.get_notification_listener(
            notification_transport, targets, [Endpoint(self.hub)], pool=pool_name(conf),
            allow_requeue=False, **kwargs)

    def start(self):
        if self.live:
            self.publisher.start()

    @property
    def listening(self):
        """Whether the notification listener runs (from this process's first stream)."""
        return self._listening

    def watch(self):
        """A stream opened in this process: renew the lease here and (at once, when it
        was not fresh here) in every api process, and listen to the notifications from
        now on. True when the lease was not fresh here: the other processes may not
        have cast their changes until the renewal reached them, so the stream sends
        its snapshot again a moment later."""
        fresh = not self.interest.watched()
        self.keep_watching(now=fresh)
        with self._lock:
            start = not self._listening and not self._stopped
            self._listening = self._listening or start
        if start:   # in the background: a stream never waits on the broker
            threading.Thread(target=self._listen, name='dashboard-listener-start',
                             daemon=True).start()
        return fresh

    def _listen(self):
        try:
            self.listener.start(override_pool_size=LISTENER_THREADS)
        except Exception:
            LOG.exception('Dashboard notification listener did not start: the timelines '
                          'get no bus entries in this process')

    def keep_watching(self, now=False):
        """A stream of this process is still open (each stream's loop calls this after
        every event and keepalive): when a renewal is due, renew the lease here and in
        the others; otherwise nothing (one clock read)."""
        if self.interest.due(now=now):
            self.interest.renew()
            self.publisher.renew_everywhere(dashboard_interest.LEASE_SECONDS)

    def stop(self):
        self.hub.close()
        if self.live:
            with self._lock:
                self._stopped = True
                listening = self._listening
            if listening:
                self.listener.stop()
                self.listener.wait()
            self.publisher.stop()
