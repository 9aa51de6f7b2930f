"""Per-host RPC queue depth as the broker counts it: messages ready in ``compute.<host>``.

Measured on the api side by a passive ``queue.declare`` (py-amqp, the library under
oslo.messaging's RabbitMQ driver) on ``[DEFAULT] transport_url``'s broker, only when
someone asks (the dashboard's hosts view, a ``/metrics`` scrape) and cached for
``CACHE_SECONDS``, so any number of dashboards and scrapers cost one broker round trip
per host that often. It is the broker's backlog: casts no compute has taken yet (the
host is down, or its consumer is stuck). A running compute takes messages as they
arrive and queues them per instance itself; that backlog is the compute's own
``cepheid_compute_queue_depth`` on its metrics port. With a transport other than
RabbitMQ (``fake://``) or a broker that does not answer, the depth is unknown (None).
"""

import threading
import time

from oslo_log import log as logging
from prometheus_client import core as prometheus_core

from cepheid.common import startup
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
TIMEOUT = 1.0
METRIC = 'cepheid_compute_rpc_queue_messages'


def queue_name(host):
    return f'{compute_rpcapi.TOPIC}.{host}'


class RpcQueueDepth:
    """``depths(hosts)``: ``{host: messages ready or None}``, at most ``CACHE_SECONDS`` old."""

    def __init__(self, conf, *, cache_seconds=CACHE_SECONDS, clock=time.monotonic):
        self.conf, self.cache_seconds, self.clock = conf, cache_seconds, clock
        self._lock = threading.Lock()
        self._cached = {}            # host -> (depth, measured at)
        self._url = None

    def _broker_url(self):
        if self._url is None:
            url = startup.check_transport(self.conf)
            self._url = url if url.transport in ('rabbit', 'amqp', 'kombu') else False
        return self._url

    def depths(self, hosts):
        hosts = list(hosts)
        url = self._broker_url()
        if not url:
            return dict.fromkeys(hosts)
        with self._lock:            # one caller measures; the others use its result
            now = self.clock()
            stale = [h for h in hosts if h not in self._cached
                     or now - self._cached[h][1] >= self.cache_seconds]
            if stale:
                measured = _measure(url, stale, self.conf.oslo_messaging_rabbit.ssl)
                for host in stale:
                    self._cached[host] = (measured.get(host), now)
            return {h: self._cached[h][0] for h in hosts}


def _measure(url, hosts, ssl):
    """``{host: message count}`` of the queues that exist, from the first broker of ``url``
    that answers; ``{}`` when none does."""
    import amqp
    for broker in url.hosts:
        conn = amqp.Connection(
            host=f'{broker.hostname or "localhost"}:{broker.port or 5672}',
            userid=broker.username or 'guest', password=broker.password or 'guest',
            virtual_host=url.virtual_host or '/', connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT, write_timeout=TIMEOUT, ssl=ssl)
        try:
            conn.connect()
            return _declare_passively(conn, hosts)
        except Exception as exc:   # refused, timed out, closed under us: the next broker
            LOG.debug('queue depth from %s: %s', broker.hostname, exc)
        finally:
            conn.collect()
    return {}


def _declare_passively(conn, hosts):
    import amqp
    found, channel = {}, conn.channel()
    for host in hosts:
        try:
            found[host] = channel.queue_declare(queue_name(host), passive=True).message_count
        except amqp.exceptions.NotFound:
            channel = conn.channel()    # the broker closed the channel: no such queue
    return found


class QueueDepthCollector:
    """The ``/metrics`` gauge: one sample per compute host whose depth is known.

    ``hosts()`` lists the compute hosts (from the services table)."""

    def __init__(self, depth, hosts):
        self.depth, self.hosts = depth, hosts

    def describe(self):
        return []

    def collect(self):
        gauge = prometheus_core.GaugeMetricFamily(
            METRIC, 'Messages ready in the broker\'s compute.<host> RPC queue (casts no '
            'compute has taken yet; api side, passive queue.declare, cached '
            f'{CACHE_SECONDS:g} s)', labels=['host'])
        try:
            hosts = self.hosts()
        except Exception as exc:   # the database is down: /healthcheck says so
            LOG.debug('queue depth: no host list: %s', exc)
            hosts = []
        for host, count in sorted(self.depth.depths(hosts).items()):
            if count is not None:
                gauge.add_metric([host], count)
        yield gauge
