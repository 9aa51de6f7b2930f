"""The compute service of one host: driver, manager, per-instance queue, RPC server, heartbeats,
power-state sync, instance usage audit."""

import threading

from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.common import jitter
from cepheid.common import notifications
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import endpoint as compute_endpoint
from cepheid.compute import evacuation_cleanup
from cepheid.compute import heartbeat_publisher
from cepheid.compute import instance_queue
from cepheid.compute import manager as compute_manager
from cepheid.compute import metrics as compute_metrics
from cepheid.compute import power_sync
from cepheid.compute import recovery
from cepheid.compute import resize_recovery
from cepheid.compute import resource_tracker
from cepheid.compute import rpcapi as compute_rpcapi
from cepheid.compute import stale_guests
from cepheid.compute import step_caller
from cepheid.compute import step_publisher
from cepheid.compute import usage_audit
from cepheid.compute.virt import driver as virt_driver

LOG = logging.getLogger(__name__)

BINARY = 'cepheid-compute'
# Every this many beats the heartbeat is a call, whose answer names the api's heartbeat
# topic again (an api switched to ``[api] heartbeat_consumer = rpc``, or rolled back, is
# followed within that many report intervals).
HEARTBEAT_CALL_EVERY = 30
# Seconds between the empty batches that wake this host's RPC listener while it stops.
WAKE_EVERY = 0.2


class ComputeService:
    def __init__(self, conf, *, host=None, transport=None, notification_transport=None,
                 driver=None):
        self.conf = conf
        self.host = host or conf.host
        self.transport = transport or rpc.get_rpc_transport(conf)
        self.notification_transport = (notification_transport
                                       or rpc.get_notification_transport(conf))
        self.driver = driver or virt_driver.load_driver(conf, conf.compute_driver)
        self.conductor = conductor_rpcapi.ConductorAPI(
            self.transport, host=self.host, group_commit=conf.conductor_group_commit,
            finish_cast=conf.conductor_finish_cast,
            begin_advances=conf.conductor_begin_advances,
            notification_format=conf.notifications.notification_format,
            heartbeat_publisher=heartbeat_publisher.for_conf(conf),
            step_publisher=step_publisher.for_conf(conf),
            step_caller=step_caller.for_conf(conf))
        self.notifier = notifications.InstanceNotifier(
            conf, self.notification_transport, service=BINARY, host=self.host)
        self.manager = compute_manager.ComputeManager(
            host=self.host, driver=self.driver, conductor=self.conductor,
            notifier=self.notifier, compute_rpc=compute_rpcapi.ComputeRPCAPI(self.transport))
        self.queue = instance_queue.InstanceWorkQueue(conf.rpc_worker_threads)
        self.endpoint = compute_endpoint.ComputeEndpoint(self.manager, self.queue)
        self.power_sync = power_sync.PowerStateSync(conf, self.manager, self.queue)
        self.driver.register_event_listener(self.power_sync.handle_event)
        self.rpc_server = rpc.get_server(conf, self.transport, compute_rpcapi.TOPIC,
                                         server=self.host, endpoints=[self.endpoint],
                                         at_once=compute_endpoint.runs_at_once)
        self._wake_client = rpc.get_client(
            self.transport, compute_rpcapi.TOPIC, version=compute_rpcapi.BATCH_VERSION,
            server=self.host).prepare(retry=0)
        self.capacity = resource_tracker.ResourceTracker(conf, self.driver, self.host)
        self._stop = threading.Event()
        self._heartbeat_thread = None
        self.conductor.observers.append(compute_metrics.TaskStateClock())
        self.metrics_server = compute_metrics.MetricsServer(conf, self.host, self.queue)
        self.usage_audit = usage_audit.UsageAudit(conf, host=self.host,
                                                  conductor=self.conductor,
                                                  notifier=self.notifier)

    def start(self):
        LOG.info('Starting compute on host %s with driver %s', self.host,
                 type(self.driver).__name__)
        self.driver.init_host(self.host)
        # Guests of instances evacuated while this host was down go first: nothing below
        # may restart or sync them (Nova's init_host).
        self.evacuated = evacuation_cleanup.destroy_evacuated_instances(self.manager)
        # Then the guests of instances deleted, or moved away for good, meanwhile.
        self.stale = stale_guests.destroy_stale_guests(self.manager, skip=self.evacuated)
        # Retries are queued before the RPC server starts, so casts still waiting in the
        # broker for an instance run after its recovery, in order.
        self.recovered = recovery.recover(self.manager, self.queue,
                                          skip=self.evacuated | self.stale)
        # Resizes and cold migrations, found by migration record (the instance may be on
        # the other host of the move).
        self.recovered_moves = resize_recovery.recover(self.manager, self.queue)
        # Evacuations towards this host that its restart interrupted.
        self.redone_evacuations = evacuation_cleanup.redo_interrupted(self.manager,
                                                                      self.queue)
        self.rpc_server.start()
        # Only now, with our queue declared, may the api service see this host as up and
        # place work on it.
        self.heartbeat(wait=True)
        self._heartbeat_thread = threading.Thread(target=self._heartbeat_loop,
                                                  name=f'heartbeat-{self.host}', daemon=True)
        self._heartbeat_thread.start()
        self.power_sync.start()
        self.metrics_server.start()
        self.usage_audit.start()

    def heartbeat(self, wait=False):
        """Report this service alive, with the host's capacity when it changed (and every
        ``RESOURCES_EVERY`` beats): Nova's resource tracker, at one cast per interval."""
        resources = self.capacity.due(force=wait)
        try:
            self.conductor.service_heartbeat(cep_context.get_admin_context(),
                                             binary=BINARY, topic=compute_rpcapi.TOPIC,
                                             wait=wait, resources=resources)
        except Exception as exc:
            self.capacity.forget()
            LOG.warning('Heartbeat of %s failed: %s', self.host, exc)

    def _heartbeat_loop(self):
        # The first beat after start comes sooner than report_interval, never later.
        delay = jitter.first_delay(self.conf.report_interval)
        beats = 0
        while not self._stop.wait(delay):
            delay = self.conf.report_interval
            beats += 1
            self.heartbeat(wait=beats % HEARTBEAT_CALL_EVERY == 0)

    def stop(self, graceful=True):
        self._stop.set()
        self.usage_audit.stop()
        self.metrics_server.stop()
        self.power_sync.stop()
        self.stop_rpc_server()
        self.queue.shutdown(wait=graceful)
        self.driver.cleanup_host(self.host)

    def stop_rpc_server(self):
        """Stop the RPC server: its listener first, then wait for the work it handed out.

        An idle RabbitMQ listener notices a stop only when its read returns, and it reads
        for up to ``[DEFAULT] rpc_listener_max_wait`` seconds, after a message too
        (``rpc_listener_min_wait``). So while the stop waits for the listener, empty
        ``run_casts`` batches go to this host's own queue every ``WAKE_EVERY`` seconds:
        the first one to arrive after the stop began ends the read. A batch runs nothing;
        one the listener read before the stop is answered by the next. A broker that is
        down fails the cast at once (no retry) and the stop waits for the read as before.
        Only where listeners read that long (``rpc.listener_reads_long``: AMQP).
        """
        stopped = threading.Event()
        if rpc.listener_reads_long(self.transport):
            threading.Thread(target=self._wake_listener_until, args=(stopped,),
                             name=f'wake-listener-{self.host}', daemon=True).start()
        try:
            self.rpc_server.stop()
        finally:
            stopped.set()
        self.rpc_server.wait()

    def _wake_listener_until(self, stopped):
        while not stopped.is_set():
            try:
                self._wake_client.cast(cep_context.get_admin_context(), 'run_casts', casts=[])
            except Exception as exc:
                LOG.debug('Could not wake the RPC listener of %s to stop: %s', self.host, exc)
                return
            stopped.wait(WAKE_EVERY)
