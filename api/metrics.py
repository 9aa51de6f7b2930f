"""``GET /metrics`` of the api (Prometheus text format) and the per-request counts.

Served before authentication, as scrapers expect (the api listens on loopback by
default; put it behind the load balancer's ACLs otherwise). With ``[api] workers`` > 1
every worker answers for all of them (``common/metrics.py``: multiprocess mode).
"""

import re

import flask
from werkzeug import exceptions as wz_exceptions

from cepheid.common import metrics

PATH = '/metrics'
_ACTION_PATH = re.compile(r'^(/v2(\.1)?)?/servers/[^/]+/action$')


def register(app):
    """Count every server action request by action, type and HTTP result."""
    app.after_request(_count_action)


def _count_action(response):
    request = flask.request
    if request.method == 'POST' and _ACTION_PATH.match(request.path):
        action, kind = _action_of(request)
        metrics.SERVER_ACTIONS.labels(action, kind, str(response.status_code)).inc()
    return response


def _action_of(request):
    """``(action, reboot type)`` of an action body; ``''`` for what is not one (a body
    over the size limit is not read)."""
    try:
        body = request.get_json(silent=True)
    except wz_exceptions.HTTPException:
        return '', ''
    if not isinstance(body, dict) or len(body) != 1:
        return '', ''
    action, args = next(iter(body.items()))
    kind = args.get('type', '') if isinstance(args, dict) else ''
    return str(action)[:64], str(kind).upper()[:16]


class MetricsApp:
    """WSGI: ``/metrics`` answered here, everything else passed to ``wsgi_app``;
    ``collectors`` add what is measured at scrape time (the RPC queue depths)."""

    def __init__(self, wsgi_app, collectors=()):
        self.wsgi_app, self.collectors = wsgi_app, list(collectors)

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') != PATH:
            return self.wsgi_app(environ, start_response)
        if environ.get('REQUEST_METHOD') not in ('GET', 'HEAD'):
            start_response('405 Method Not Allowed', [('Allow', 'GET, HEAD')])
            return [b'']
        body = metrics.exposition(self.collectors)
        start_response('200 OK', [('Content-Type', metrics.CONTENT_TYPE),
                                  ('Content-Length', str(len(body)))])
        return [body]
