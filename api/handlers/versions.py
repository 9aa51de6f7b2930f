"""GET / and GET /v2.1: the version documents (no authentication needed)."""

import flask

from cepheid.api import helpers
from cepheid.api.views import versions as views


def root():
    return flask.jsonify(views.versions_list(helpers.base_url()))


def v21():
    return flask.jsonify(views.version_document(helpers.base_url()))
