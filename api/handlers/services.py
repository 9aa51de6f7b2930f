"""GET /os-services: the compute (and other) services and whether they are up."""

import flask

from cepheid.api import helpers
from cepheid.api.db import services as db_services
from cepheid.api.policies import services as service_policies
from cepheid.api.views import services as views
from cepheid.common import binaries


def index():
    helpers.authorize(service_policies.SERVICES % 'list')
    args = flask.request.args
    conf = helpers.services().conf
    # The database keeps canonical names; clients see and filter by [DEFAULT] binary_prefix.
    binary = args.get('binary')
    rows = []
    if binary is None or binaries.from_shown(conf, binary) is not None:
        with helpers.services().db.transaction() as session:
            rows = db_services.service_list(
                session, binary=binary and binaries.from_shown(conf, binary),
                host=args.get('host'))
    version = helpers.version()
    return flask.jsonify({'services': [
        views.service(r, version=version, is_up=db_services.is_up(r, conf.service_down_time),
                      binary=binaries.shown(conf, r['binary']))
        for r in rows]})
