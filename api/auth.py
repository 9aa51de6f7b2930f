"""Who is calling: a noauth2 token or keystonemiddleware's headers become a RequestContext."""

import re

from oslo_config import cfg

from cepheid.common import context as cep_context
from cepheid.common import exception

# The version documents and the OpenAPI document are public: discovery happens before
# anyone has a token.
# /metrics and /healthcheck (answered before the Flask app) are for scrapers and balancers.
PUBLIC_PATHS = frozenset(['', '/', '/v2.1', '/v2.1/', '/v2', '/v2/', '/openapi.json',
                          '/metrics', '/healthcheck'])
# The noauth2 identity stub (handlers/identity.py) issues tokens, so it needs none; it is
# routed only under noauth2 (elsewhere these paths are a 404).
IDENTITY_STUB_PATHS = frozenset(['/identity', '/identity/v3', '/identity/v3/auth/tokens'])
# The dashboard's page, its static files and its login form carry no data; the page's
# calls to /dashboard/api/... send the token like any API client.
DASHBOARD_PUBLIC_RE = re.compile(r'^/dashboard(/static/[^/]+|/login)?/?$')


def is_public(path):
    return (path in PUBLIC_PATHS or path.rstrip('/') in IDENTITY_STUB_PATHS
            or DASHBOARD_PUBLIC_RE.match(path) is not None)


def noauth2_roles(user_id):
    """Every noauth2 user is a member and a reader; user ``admin`` is also an admin."""
    return ['admin', 'member', 'reader'] if user_id == 'admin' else ['member', 'reader']


def _noauth2(environ, **ids):
    """``X-Auth-Token: user:project`` (project defaults to X-Auth-Project-Id, then user)."""
    token = environ.get('HTTP_X_AUTH_TOKEN', '').strip()
    user_id, _sep, project_id = token.partition(':')
    project_id = project_id or environ.get('HTTP_X_AUTH_PROJECT_ID', '').strip() or user_id
    if not user_id or not project_id:
        raise exception.NotAuthenticated()
    return cep_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=noauth2_roles(user_id),
        remote_address=environ.get('REMOTE_ADDR'), **ids)


def _keystone(environ, **ids):
    """The headers keystonemiddleware's auth_token set on a validated request.

    auth_token strips any X-User-Id/X-Project-Id/X-Roles a caller sent and sets its own from
    the validated token, so they can be trusted here. No user: 401. A token without a project
    (system- or domain-scoped) authenticates but may not touch project resources: 403.
    """
    if environ.get('HTTP_X_IDENTITY_STATUS', 'Invalid') != 'Confirmed':
        raise exception.NotAuthenticated()
    ctx = cep_context.RequestContext.from_environ(
        environ, remote_address=environ.get('REMOTE_ADDR'), **ids)
    if not ctx.user_id:
        raise exception.NotAuthenticated()
    if not ctx.project_id:
        raise exception.Forbidden('Cepheid needs a project-scoped token.')
    return ctx


STRATEGIES = {'noauth2': _noauth2, 'keystone': _keystone}


def context_from_environ(conf, environ, *, request_id, global_request_id=None):
    """The RequestContext of a request; NotAuthenticated (401) when there is none."""
    strategy = STRATEGIES[conf.api.auth_strategy]
    try:
        return strategy(environ, request_id=request_id, global_request_id=global_request_id)
    except exception.NotAuthenticated as exc:
        exc.headers = challenge_headers(conf)
        raise


def challenge_headers(conf):
    """``WWW-Authenticate`` for Cepheid's own 401s, as auth_token sends on its own."""
    if conf.api.auth_strategy != 'keystone':
        return {}
    try:
        uri = conf.keystone_authtoken.www_authenticate_uri
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):  # auth_token registers the group
        uri = None
    return {'WWW-Authenticate': f'Keystone uri="{uri}"'} if uri else {}


class PublicPathBypass:
    """Send the version documents straight to the app and everything else through auth."""

    def __init__(self, app, protected):
        from cepheid.api import auth_refusals  # it needs hooks, which need this module
        self.app = app
        self.protected = protected
        self._call_protected = auth_refusals.call

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        # never the noauth2 identity stub
        if path in PUBLIC_PATHS or DASHBOARD_PUBLIC_RE.match(path):
            return self.app(environ, start_response)
        # auth_token's own refusals get request ids (and a 5xx Nova's fault body) there.
        return self._call_protected(self.protected, environ, start_response)


def wrap_wsgi(wsgi_app, conf):
    """Put keystonemiddleware's auth_token in front of ``wsgi_app`` when configured."""
    if conf.api.auth_strategy != 'keystone':
        return wsgi_app
    try:
        from keystonemiddleware import auth_token
    except ImportError as exc:
        raise RuntimeError('[api] auth_strategy = keystone needs keystonemiddleware '
                           '(pip install cepheid[keystone])') from exc
    protected = auth_token.AuthProtocol(wsgi_app, {'oslo_config_config': conf})
    return PublicPathBypass(wsgi_app, protected)
