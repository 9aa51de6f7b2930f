"""The Flask app factory of the REST API."""

import flask

from cepheid.api import auth
from cepheid.api import errors
from cepheid.api import health
from cepheid.api import helpers
from cepheid.api import hooks
from cepheid.api import legacy_v2
from cepheid.api import metrics
from cepheid.api import policy
from cepheid.api import routes
from cepheid.api import rpc_queue_depth
from cepheid.api.dashboard import handlers as dashboard


def create_app(conf, services):
    """The WSGI app for ``conf`` with ``services`` (db, compute_api, conf: ApiServices).

    With ``[api] auth_strategy = keystone`` the returned app's ``wsgi_app`` is wrapped in
    keystonemiddleware's auth_token (the version documents bypass it); inside it, ``/v2``
    is mapped onto the v2.1 API (legacy_v2.py).
    """
    app = flask.Flask('cepheid.api')
    app.config['MAX_CONTENT_LENGTH'] = conf.api.max_request_body_size
    app.config['CEPHEID'] = services
    app.extensions[helpers.EXTENSION] = {
        'services': services,
        'enforcer': policy.init(conf),
    }
    app.url_map.strict_slashes = False
    errors.register(app)
    hooks.register(app)
    routes.register(app)
    dashboard.register(app)
    metrics.register(app)
    # /metrics and /healthcheck answer scrapers and load balancers (public paths).
    inner = health.wrap(metrics.MetricsApp(legacy_v2.LegacyV2Wrapper(app.wsgi_app),
                                           _scraped(services)), services)
    app.wsgi_app = auth.wrap_wsgi(inner, conf)
    return app


def _scraped(services):
    """Collectors measured at each ``/metrics`` scrape: the compute RPC queue depths."""
    depth = getattr(services, 'rpc_queue_depth', None)
    if depth is None:
        return []
    return [rpc_queue_depth.QueueDepthCollector(depth, services.store.compute_hosts)]
