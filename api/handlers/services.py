"""GET /os-services: the compute (and other) services and whether they are up."""

import flask

from cepheid.api import helpers
from cepheid.api.db import services as db_services
from cepheid.api.policies import services as service_policies
from cepheid.api.views import services as views


def index():
    helpers.authorize(service_policies.SERVICES % 'list')
    args = flask.request.args
    with helpers.services().db.transaction() as session:
        rows = db_services.service_list(session, binary=args.get('binary'),
                                        host=args.get('host'))
    down_time = helpers.services().conf.service_down_time
    version = helpers.version()
    return flask.jsonify({'services': [
        views.service(r, version=version, is_up=db_services.is_up(r, down_time))
        for r in rows]})
