"""Every URL of the REST API, on one screen."""

from cepheid.api.handlers import flavors
from cepheid.api.handlers import instance_actions
from cepheid.api.handlers import server_actions
from cepheid.api.handlers import servers
from cepheid.api.handlers import services
from cepheid.api.handlers import versions

V = '/v2.1'
SERVER = V + '/servers/<server_id>'

ROUTES = [
    ('/', 'GET', versions.root),
    (V, 'GET', versions.v21),
    (V + '/flavors', 'GET', flavors.index),
    (V + '/flavors/detail', 'GET', flavors.detail),
    (V + '/flavors/<flavor_id>', 'GET', flavors.show),
    (V + '/servers', 'GET', servers.index),
    (V + '/servers', 'POST', servers.create),
    (V + '/servers/detail', 'GET', servers.detail),
    (SERVER, 'GET', servers.show),
    (SERVER, 'DELETE', servers.delete),
    (SERVER + '/action', 'POST', server_actions.action),
    (SERVER + '/os-instance-actions', 'GET', instance_actions.index),
    (SERVER + '/os-instance-actions/<request_id>', 'GET', instance_actions.show),
    (V + '/os-services', 'GET', services.index),
]


def endpoint(handler):
    return f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"


def register(app):
    for rule, method, handler in ROUTES:
        app.add_url_rule(rule, endpoint(handler), handler, methods=[method],
                         provide_automatic_options=False, strict_slashes=False)
