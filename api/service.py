"""Wiring of the api service: database, compute API, conductor RPC server and WSGI app."""

from oslo_log import log as logging

from cepheid.api import background_notifier
from cepheid.api import compute_notices
from cepheid.api import conductor
from cepheid.api import flavor_notifications
from cepheid.api import heartbeat_consumer
from cepheid.api import heartbeats
from cepheid.api import keypair_notifications
from cepheid.api import observed_conductor
from cepheid.api import outbox
from cepheid.api import reclaim
from cepheid.api import resize_confirm
from cepheid.api import rpc_queue_depth
from cepheid.api import steps_consumer
from cepheid.api import watchdog
from cepheid.api import workers
from cepheid.api.dashboard import feed as dashboard_feed
from cepheid.api.db import session as db_session
from cepheid.api.db import store as db_store
from cepheid.common import lean_publisher
from cepheid.common import notifications
from cepheid.common import rpc
from cepheid.compute import api as compute_api_mod
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)

BINARY = 'cepheid-api'
# The outbox's lean publisher: its broker connection's name, and the longest a cast
# waits for the broker's confirm before oslo.messaging sends it.
CASTS_PUBLISHER = 'cepheid-api-casts'
CASTS_CONFIRM_TIMEOUT = 5.0


def casts_publisher(conf):
    """This process's lean publisher for the outbox's casts (common/lean_publisher.py),
    or None: ``[api] casts_publisher = rpc``, or a transport other than RabbitMQ."""
    if conf.api.casts_publisher != 'lean':
        return None
    return lean_publisher.shared(conf, name=CASTS_PUBLISHER, persistent=True,
                                 confirm_timeout=CASTS_CONFIRM_TIMEOUT)


class ApiServices:
    """What the REST handlers use: ``conf``, ``db``, ``compute_api`` (and the notifiers)."""

    def __init__(self, conf, *, db=None, transport=None, notification_transport=None,
                 compute_api=None):
        self.conf = conf
        self.db = db or db_session.Database(
            conf.database.connection, db_session.pool_options(conf),
            fused_steps=conf.database.fused_steps,
            prebuilt=conf.database.prebuilt_statements,
            alone=conf.database.single_statement_autocommit)
        self.transport = transport or rpc.get_rpc_transport(conf)
        self.notification_transport = (notification_transport
                                       or rpc.get_notification_transport(conf))
        # The outbox's sender publishes with retry=0: it keeps what the broker refuses.
        cap = conf.api.compute_rpc_version_cap or None
        self.compute_rpcapi = compute_rpcapi.ComputeRPCAPI(
            self.transport, retry=0, version_cap=cap, publisher=casts_publisher(conf))
        self.outbox = outbox.Outbox(self.db, self.compute_rpcapi,
                                    lease=conf.api.outbox_claim_seconds,
                                    poll_interval=conf.api.outbox_poll_interval)
        self.store = db_store.InstanceStore(
            self.db, service_down_time=conf.service_down_time,
            allow_resize_to_same_host=conf.allow_resize_to_same_host, outbox=self.outbox)
        # Sent from a thread: lock/unlock and the other API-only actions never wait on
        # the broker (their notifications wait in memory while it is down).
        self.notifier = background_notifier.BackgroundNotifier(
            notifications.InstanceNotifier(conf, self.notification_transport,
                                           service=BINARY, host=conf.host))
        # The RPC calls (changePassword, console log) wait for the broker as usual.
        self.compute_call_rpcapi = compute_rpcapi.ComputeRPCAPI(self.transport,
                                                                version_cap=cap)
        self.flavor_notifier = flavor_notifications.FlavorNotifier(
            conf, self.notification_transport, binary=BINARY)
        self.keypair_notifier = keypair_notifications.KeypairNotifier(
            conf, self.notification_transport, binary=BINARY)
        self.compute_api = compute_api or compute_api_mod.ComputeAPI(
            self.store, notifier=self.notifier, rpcapi=self.compute_call_rpcapi)
        # compute.<host> messages ready in the broker (dashboard hosts view, /metrics)
        self.rpc_queue_depth = rpc_queue_depth.RpcQueueDepth(conf)
        # /dashboard's live feed; started and stopped with the ConductorService.
        self.dashboard = dashboard_feed.Feed(conf, self.db, self.transport,
                                             self.notification_transport)


class ConductorService:
    """The api's background side: the RPC server on topic ``cepheid-api`` through which
    computes write the DB, the outbox's sender, the stuck-task watchdog and the reclaim of
    soft-deleted servers.

    Every worker serves the computes and sends its own casts; the periodic duties that
    act on the whole database (the watchdog, the reclaim, the resize confirm, the
    outbox's looks for a dead process's casts) run in one worker per api host
    (``host_duties``: api/workers.py). Each claims its rows with a compare-and-swap,
    so several api hosts running them stay safe, as several workers did."""

    def __init__(self, conf, services, *, host_duties=None):
        interval = conf.api.heartbeat_flush_interval
        self.heartbeats = (heartbeats.HeartbeatBatcher(services.db, interval=interval)
                           if interval > 0 else None)
        lean = heartbeat_consumer.usable(conf)
        lean_steps = steps_consumer.usable(conf)
        self.endpoint = observed_conductor.ObservedConductorEndpoint(
            services.db, heartbeats=self.heartbeats,
            heartbeat_topic=heartbeat_consumer.TOPIC if lean else None,
            steps_topic=steps_consumer.TOPIC if lean_steps else None,
            end_notifier=compute_notices.HostNotifiers(conf,
                                                       services.notification_transport))
        # Heartbeats and the operations' steps on topics of their own, without the RPC
        # server (RabbitMQ only).
        self.heartbeat_consumer = (heartbeat_consumer.HeartbeatConsumer(
            conf, self.endpoint._record_heartbeat) if lean else None)
        self.steps_consumer = (steps_consumer.StepsConsumer(conf, self.endpoint)
                               if lean_steps else None)
        # The dashboard's changes come as fanout casts to this server (api/dashboard/feed.py).
        self.server = rpc.get_server(conf, services.transport, conductor.TOPIC,
                                     server=conf.host,
                                     endpoints=[self.endpoint, services.dashboard.endpoint],
                                     expected=conductor.EXPECTED,
                                     translate=conductor.database_unavailable)
        self.threads = conf.api.conductor_threads
        self.outbox = services.outbox
        self.watchdog = watchdog.Watchdog(conf, services.store)
        self.reclaimer = reclaim.Reclaimer(conf, services.db, services.compute_api)
        self.resize_confirmer = resize_confirm.ResizeConfirmer(conf, services.store)
        self.dashboard = services.dashboard
        self.host_duties = (workers.runs_host_duties() if host_duties is None
                            else host_duties)

    def duties(self):
        """The periodic duties this process runs: ``{name: job}`` (none outside slot 0)."""
        if not self.host_duties:
            return {}
        return {'watchdog': self.watchdog, 'reclaim': self.reclaimer,
                'resize_confirm': self.resize_confirmer}

    def start(self):
        self.dashboard.start()
        self.outbox.start(look_for_lapsed=self.host_duties)
        if self.heartbeats is not None:
            self.heartbeats.start()
        if self.heartbeat_consumer is not None:
            self.heartbeat_consumer.start()
        if self.steps_consumer is not None:
            self.steps_consumer.start()
        # A thread per message up to the pool's size, kept (futurist): 64 by default,
        # each with its stack and a share of glibc's heaps.
        self.server.start(override_pool_size=self.threads)
        for job in self.duties().values():
            job.start()

    def stop(self):
        self.resize_confirmer.stop()
        self.reclaimer.stop()
        self.watchdog.stop()
        self.outbox.stop()
        self.server.stop()
        self.server.wait()
        if self.steps_consumer is not None:
            self.steps_consumer.stop()
        if self.heartbeat_consumer is not None:
            self.heartbeat_consumer.stop()
        if self.heartbeats is not None:
            self.heartbeats.stop()
        self.dashboard.stop()
