"""``GET /healthcheck`` for load balancers: oslo.middleware's healthcheck middleware with
Cepheid's backend (entry point ``oslo.middleware.healthcheck: cepheid``).

200 ``OK`` when every check passes, 503 with the reasons otherwise. The api checks its
database and the broker (``api/health.py``); a compute the broker, on its metrics port.
Nothing here needs a token.
"""

from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import pluginbase

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


class CepheidBackend(pluginbase.HealthcheckBaseExtension):
    """The checks handed in by ``HealthApp``: ``conf['cepheid_checks']``, callables returning
    None (fine) or a reason."""

    def healthcheck(self, server_port):
        reasons = [reason for check in self.conf['cepheid_checks']
                   if (reason := check()) is not None]
        if reasons:
            return pluginbase.HealthcheckResult(available=False, reason='; '.join(reasons))
        return pluginbase.HealthcheckResult(available=True, reason='OK')


class HealthApp:
    """WSGI: ``/healthcheck`` answered by oslo.middleware's Healthcheck (which answers any
    path it is given), everything else passed to ``wsgi_app``."""

    def __init__(self, wsgi_app, checks):
        self.wsgi_app = wsgi_app
        self.healthcheck = healthcheck.Healthcheck(None, {
            'backends': 'cepheid', 'detailed': False, 'cepheid_checks': list(checks)})

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') == PATH:
            return self.healthcheck(environ, start_response)
        return self.wsgi_app(environ, start_response)
