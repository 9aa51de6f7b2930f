"""The compute's metrics port: ``/metrics`` and ``/healthcheck`` (the broker answers).

``[metrics] port`` (0, the default: disabled) on ``[metrics] listen`` (127.0.0.1). The
compute measures what it sees itself: the time between its task_state reports per
instance (``cepheid_task_state_duration_seconds``), its conductor calls
(``cepheid_compute_conductor_call_seconds``, in conductor_rpcapi.py) and its queue depth.
"""

import threading

import waitress
from oslo_config import cfg
from oslo_log import log as logging

from cepheid.common import health
from cepheid.common import metrics

LOG = logging.getLogger(__name__)

metrics_opts = [
    cfg.PortOpt('port', default=0,
                help='Port of the compute\'s /metrics and /healthcheck; 0 disables them.'),
    cfg.HostAddressOpt('listen', default='127.0.0.1',
                       help='Address the metrics port listens on (loopback by default).'),
]


class TaskStateClock:
    """Observer of the compute's reports: how long each instance stayed in a task_state."""

    def __init__(self):
        self._lock = threading.Lock()
        self._since = {}     # uuid -> (task_state, time reported)

    def __call__(self, when, instance_uuid, task_state, method):
        with self._lock:
            previous = self._since.pop(instance_uuid, None)
            if task_state is not None:
                self._since[instance_uuid] = (task_state, when)
        if previous is not None:
            metrics.TASK_STATE_DURATION.labels(previous[0]).observe(max(when - previous[1], 0))


def _metrics_app(environ, start_response):
    if environ.get('PATH_INFO') != '/metrics':
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'Not Found']
    body = metrics.exposition()
    start_response('200 OK', [('Content-Type', metrics.CONTENT_TYPE),
                              ('Content-Length', str(len(body)))])
    return [body]


class MetricsServer:
    """The metrics port of one compute service (started only when ``[metrics] port``)."""

    def __init__(self, conf, host, queue):
        self.conf, self.host = conf, host
        metrics.QUEUE_DEPTH.labels(host).set_function(queue.depth)
        self.server = None

    def start(self):
        if not self.conf.metrics.port:
            return
        app = health.HealthApp(_metrics_app, [lambda: health.broker_failure(self.conf)])
        self.server = waitress.create_server(app, host=self.conf.metrics.listen,
                                             port=self.conf.metrics.port, threads=2)
        threading.Thread(target=self.server.run, name=f'metrics-{self.host}',
                         daemon=True).start()
        LOG.info('Metrics of %s on http://%s:%s/metrics', self.host,
                 self.conf.metrics.listen, self.server.effective_port)

    def stop(self):
        if self.server is not None:
            self.server.close()
            self.server = None

