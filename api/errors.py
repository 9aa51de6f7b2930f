"""Every error becomes Nova's JSON fault body ``{"<name>": {"code": N, "message": "..."}}``.

Domain exceptions (CepheidException) are mapped once, here, by their ``code``; werkzeug's
HTTP errors (unknown URL, wrong method, oversized body) likewise; a database that is
unavailable is a 503 serviceUnavailable with ``Retry-After``; anything else is logged and
answered with a generic computeFault. Never an HTML page.
"""

import flask
from oslo_log import log as logging
from werkzeug import exceptions as wz_exceptions

from cepheid.api import db_errors
from cepheid.common import exception
from cepheid.common import metrics

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}
DEFAULT_FAULT_NAME = 'computeFault'

UNEXPECTED = ('Unexpected API Error. Please report this to the Cepheid developers and '
              'attach the cepheid-api log if possible.\n%s')

# werkzeug's own texts are written for browsers; Nova's are short.
HTTP_MESSAGES = {
    404: 'The resource could not be found.',
    405: 'The method specified is not allowed for this resource.',
    413: 'Request is too large.',
    415: 'Unsupported Content-Type',
}


def fault_name(code):
    return FAULT_NAMES.get(code, DEFAULT_FAULT_NAME)


def fault_body(code, message):
    """The body Nova sends for an error ``code`` with ``message``."""
    return {fault_name(code): {'code': code, 'message': message}}


def fault_response(code, message, headers=None):
    response = flask.jsonify(fault_body(code, message))
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def message_for(exc):
    """The message a user may see for a domain exception (500s stay generic)."""
    code = getattr(exc, 'code', 500) or 500
    if code == 500:
        return UNEXPECTED % type(exc)
    return exc.format_message()


def handle_cepheid_exception(exc):
    code = exc.code or 500
    if code >= 500:
        LOG.error('Request failed: %s', exc, exc_info=exc)
    else:
        LOG.info('HTTP %s: %s', code, exc.format_message())
    return fault_response(code, message_for(exc), getattr(exc, 'headers', None))


def handle_http_exception(exc):
    code = exc.code or 500
    message = HTTP_MESSAGES.get(code) or exc.description or exc.name
    headers = {}
    if isinstance(exc, wz_exceptions.MethodNotAllowed) and exc.valid_methods:
        headers['Allow'] = ', '.join(sorted(exc.valid_methods))
    return fault_response(code, message, headers)


DB_UNAVAILABLE = 'The database is unavailable. Please try again later.'


def handle_db_unavailable(exc):
    """Database down (or a deadlock, a lock timeout): 503 with Retry-After, one log line."""
    LOG.error('Database unavailable: %s %s answered 503: %s', flask.request.method,
              flask.request.path, db_errors.brief(exc))
    metrics.DB_ERRORS.labels('api').inc()
    services = flask.current_app.config.get('CEPHEID')
    conf = getattr(services, 'conf', None)
    retry_after = conf.api.db_retry_after if conf is not None else 5
    return fault_response(503, DB_UNAVAILABLE, {'Retry-After': str(retry_after)})


def handle_unexpected(exc):
    if isinstance(exc, wz_exceptions.HTTPException):
        return handle_http_exception(exc)
    LOG.exception('Unexpected error in the api: %s', exc)
    return fault_response(500, UNEXPECTED % type(exc))


def register(app):
    """Install the handlers on ``app``."""
    app.register_error_handler(exception.CepheidException, handle_cepheid_exception)
    for exc_class in db_errors.UNAVAILABLE:
        app.register_error_handler(exc_class, handle_db_unavailable)
    app.register_error_handler(wz_exceptions.HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
