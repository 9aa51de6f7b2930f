"""``GET /healthcheck`` for load balancers: oslo.middleware's healthcheck middleware with
Cepheid's backend (``common/health_backend.py``).

200 ``OK`` when every check passes, 503 with the reasons otherwise. The api checks its
database and the broker (``api/health.py``); a compute the broker, on its metrics port.
Nothing here needs a token. oslo.middleware (with webob and paste, ~2.4 MB of RSS) is
imported at the first ``/healthcheck``, not in a process no balancer asks.
"""

import threading

from cepheid.common import startup

PATH = '/healthcheck'
BROKER_TIMEOUT = 2.0


def broker_failure(conf):
    """None when ``[DEFAULT] transport_url``'s broker accepts a connection (fake:// always
    does), else the reason."""
    url = startup.check_transport(conf)
    if url.transport not in ('rabbit', 'amqp', 'kombu'):
        return None
    failure = startup.probe_rabbit(url, BROKER_TIMEOUT, conf.oslo_messaging_rabbit.ssl)
    return None if failure is None else f'broker: {failure}'


class HealthApp:
    """WSGI: ``/healthcheck`` answered by oslo.middleware's Healthcheck (which answers any
    path it is given), everything else passed to ``wsgi_app``."""

    def __init__(self, wsgi_app, checks):
        self.wsgi_app = wsgi_app
        self.checks = list(checks)
        self._healthcheck = None
        self._lock = threading.Lock()

    def _middleware(self):
        with self._lock:
            if self._healthcheck is None:
                from oslo_middleware import healthcheck
                self._healthcheck = healthcheck.Healthcheck(None, {
                    'backends': 'cepheid', 'detailed': False,
                    'cepheid_checks': self.checks})
            return self._healthcheck

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') == PATH:
            return self._middleware()(environ, start_response)
        return self.wsgi_app(environ, start_response)
