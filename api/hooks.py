"""Steps every request goes through: request ids, body size, microversion, authentication."""

import re
import uuid

import flask

from cepheid.api import auth
from cepheid.api import helpers
from cepheid.api import microversion
from cepheid.api import validation
from cepheid.common import exception

REQUEST_ID_HEADERS = ('x-openstack-request-id', 'x-compute-request-id')
GLOBAL_ID_RE = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def _global_request_id():
    """The caller's X-OpenStack-Request-ID when it is a well-formed ``req-<uuid>``."""
    value = flask.request.headers.get('X-OpenStack-Request-ID', '')
    return value if GLOBAL_ID_RE.match(value) else None


def is_versioned(path):
    return path == '/v2.1' or path.startswith('/v2.1/')


def before_request():
    g = flask.g
    g.request_id = f'req-{uuid.uuid4()}'
    g.api_version = None
    limit = flask.current_app.config['MAX_CONTENT_LENGTH']
    if flask.request.content_length and flask.request.content_length > limit:
        raise exception.RequestTooLarge()
    path = flask.request.path
    version_error = None
    if is_versioned(path):
        try:
            g.api_version = microversion.from_headers(flask.request.headers)
        except exception.CepheidException as exc:
            version_error = exc
    if not auth.is_public(path):
        g.context = auth.context_from_environ(
            helpers.services().conf, flask.request.environ, request_id=g.request_id,
            global_request_id=_global_request_id())
        g.context.update_store()
    if version_error is not None:
        raise version_error
    _check_strings()


def _check_strings():
    """Path, query and JSON body strings are fit for any database backend, or 400."""
    environ = flask.request.environ
    validation.check_path(environ)
    validation.check_query(environ)
    document = helpers.json_body_or_none()
    if document is not None:
        validation.check_body(document)


def after_request(response):
    g = flask.g
    request_id = g.get('request_id') or f'req-{uuid.uuid4()}'
    for name in REQUEST_ID_HEADERS:
        response.headers[name] = request_id
    if g.get('api_version') is not None:
        for name, value in microversion.response_headers(g.api_version).items():
            response.headers[name] = value
    return response


def register(app):
    app.before_request(before_request)
    app.after_request(after_request)
