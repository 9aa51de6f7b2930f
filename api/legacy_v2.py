"""Nova's legacy v2 compatible endpoint: ``/v2/...`` serves the v2.1 API as microversion 2.1.

As Nova's LegacyV2CompatibleWrapper: the request's microversion headers are dropped (so
the API answers as 2.1), the response carries no microversion headers (nor them in
``Vary``), and unknown body properties are ignored rather than refused (see
validation.py). ``GET /v2`` is the v2.0 version document.
"""

from cepheid.api import microversion

ENVIRON_KEY = 'cepheid.legacy_v2'
PREFIX = '/v2'
_REQUEST_HEADERS = ('HTTP_OPENSTACK_API_VERSION', 'HTTP_X_OPENSTACK_NOVA_API_VERSION')
_RESPONSE_HEADERS = {microversion.HEADER.lower(), microversion.LEGACY_HEADER.lower()}


def is_legacy(environ):
    return bool(environ.get(ENVIRON_KEY))


def _filter_headers(headers):
    kept = []
    for name, value in headers:
        lower = name.lower()
        if lower in _RESPONSE_HEADERS:
            continue
        if lower == 'vary':
            value = ','.join(v.strip() for v in value.split(',')
                             if v.strip().lower() not in _RESPONSE_HEADERS)
            if not value:
                continue
        kept.append((name, value))
    return kept


class LegacyV2Wrapper:
    """Rewrite ``/v2[/...]`` to ``/v2.1[/...]`` for ``app`` and strip microversions."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path != PREFIX and not path.startswith(PREFIX + '/'):
            return self.app(environ, start_response)
        environ[ENVIRON_KEY] = True
        environ['PATH_INFO'] = '/v2.1' + path[len(PREFIX):]
        for key in _REQUEST_HEADERS:
            environ.pop(key, None)

        def legacy_start_response(status, headers, exc_info=None):
            return start_response(status, _filter_headers(headers), exc_info)

        return self.app(environ, legacy_start_response)
