"""GET /openapi.json: the OpenAPI document of this API (no authentication needed)."""

import flask

from cepheid.api import helpers
from cepheid.api import openapi


def show():
    return flask.jsonify(openapi.document(flask.current_app, base_url=helpers.base_url()))
