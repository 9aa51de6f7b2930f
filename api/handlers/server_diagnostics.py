"""GET /servers/{id}/diagnostics: the guest's usage, asked of its compute (admin)."""

import flask

from cepheid.api import helpers
from cepheid.api.policies import server_diagnostics as policies
from cepheid.api.views import server_diagnostics as views
from cepheid.common import exception

NOT_SUPPORTED = 'The requested functionality is not supported.'


def show(server_id):
    """Before 2.48 the driver's own dict; from 2.48 Nova's standardized fields. 409 when
    the server has no host or its guest is not running (Nova's checks)."""
    instance = helpers.load_instance(server_id)
    helpers.authorize(policies.DIAGNOSTICS, helpers.instance_target(instance))
    standardized = helpers.version() >= '2.48'
    try:
        diagnostics = helpers.services().compute_api.get_diagnostics(
            helpers.context(), instance, standardized=standardized)
    except NotImplementedError as exc:
        raise exception.NotSupported(detail=NOT_SUPPORTED) from exc
    if standardized:
        diagnostics = views.instance_diagnostics(diagnostics)
    return flask.jsonify(diagnostics)
