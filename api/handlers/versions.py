"""GET /, GET /v2.1 and GET /v2: the version documents (no authentication needed)."""

import flask

from cepheid.api import helpers
from cepheid.api import legacy_v2
from cepheid.api.views import versions as views


def root():
    return flask.jsonify(views.versions_list(helpers.base_url()))


def v21():
    """The v2.1 document; through the legacy ``/v2`` endpoint, the v2.0 one."""
    version_id = 'v2.0' if legacy_v2.is_legacy(flask.request.environ) else 'v2.1'
    return flask.jsonify(views.version_document(helpers.base_url(), version_id))
