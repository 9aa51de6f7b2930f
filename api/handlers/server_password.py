"""GET/DELETE /servers/{id}/os-server-password: the password a guest posted, encrypted.

In Nova a guest posts its encrypted password to the metadata service, which keeps it with the
instance. Cepheid has no metadata service, so no guest ever posts one: the password is always
empty (Nova's answer for a guest that posted none) and clearing it has nothing to remove.
"""

import flask

from cepheid.api import helpers
from cepheid.api.policies import server_password as password_policies

PASSWORD = password_policies.PASSWORD


def show(server_id):
    instance = helpers.load_instance(server_id)
    helpers.authorize(PASSWORD % 'show', helpers.instance_target(instance))
    return flask.jsonify({'password': ''})


def clear(server_id):
    instance = helpers.load_instance(server_id)
    helpers.authorize(PASSWORD % 'clear', helpers.instance_target(instance))
    return flask.Response(status=204)
