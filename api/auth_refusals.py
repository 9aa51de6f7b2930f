"""What auth_token answers on its own (401, 503) gets request ids; a 5xx gets Nova's fault body.

Those requests never reach the app, so its hooks never add ``x-openstack-request-id``. Nova
runs its request-id middleware outside auth_token, so its 401s carry one; so do ours. A 401
keeps auth_token's body and ``WWW-Authenticate``; a 5xx (Keystone unreachable) becomes
``{"serviceUnavailable": {"code": 503, "message": ...}}`` instead of webob's page.
"""

import json
import uuid

from cepheid.api import errors
from cepheid.api import hooks

MESSAGES = {503: 'The Keystone service is temporarily unavailable.'}
FALLBACK = 'The request could not be authenticated: the identity service failed.'
_REPLACED = ('content-type', 'content-length')


def call(protected, environ, start_response):
    """Run ``protected`` (auth_token around the app); finish what auth_token answered alone.

    A response without a request id did not come from the app.
    """
    held = []

    def hold(status, headers, exc_info=None):
        held[:] = [status, list(headers), exc_info]
        return _no_write

    body = protected(environ, hold)
    status, headers, exc_info = held
    if not any(name.lower() == hooks.REQUEST_ID_HEADERS[0] for name, _ in headers):
        body = _finish(status, headers, body)
    start_response(status, headers, exc_info)
    return body


def _finish(status, headers, body):
    """Add request ids to ``headers`` (in place); a 5xx body is replaced by a fault."""
    code = int(status.split(' ', 1)[0])
    if code >= 500:
        if hasattr(body, 'close'):
            body.close()
        payload = json.dumps(errors.fault_body(code, MESSAGES.get(code, FALLBACK))).encode()
        headers[:] = [(k, v) for k, v in headers if k.lower() not in _REPLACED]
        headers += [('Content-Type', 'application/json'),
                    ('Content-Length', str(len(payload)))]
        body = [payload]
    request_id = f'req-{uuid.uuid4()}'
    headers += [(name, request_id) for name in hooks.REQUEST_ID_HEADERS]
    return body


def _no_write(data):
    raise RuntimeError('write() is not supported behind auth_token')
