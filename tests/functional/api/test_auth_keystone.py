"""auth_strategy = keystone: the context comes from auth_token's headers (optional extra);
Cepheid's own 401 and 403, and auth_token's own refusals finished with request ids."""

import socket

import flask
import pytest

from cepheid.api import app as api_app
from cepheid.api import auth
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

auth_token = pytest.importorskip('keystonemiddleware.auth_token')
loading = pytest.importorskip('keystoneauth1.loading')


def _keystone_headers(roles='member,reader', status='Confirmed'):
    return {'X-Identity-Status': status, 'X-User-Id': 'u1', 'X-Project-Id': 'demo-project',
            'X-Roles': roles}


@pytest.fixture
def keystone_api(db, compute_api):
    """An app with auth_strategy=keystone, with auth_token's validation taken out so the
    headers it would set can be sent directly."""
    conf = conftest.make_conf(auth_strategy='keystone')
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    assert isinstance(app.wsgi_app, auth.PublicPathBypass)
    assert isinstance(app.wsgi_app.protected, auth_token.AuthProtocol)
    app.wsgi_app = app.wsgi_app.app
    return conftest.Api(app.test_client())


def test_keystone_context_comes_from_the_headers(keystone_api, instance):
    resp = keystone_api.get('/v2.1/servers', token=None, headers=_keystone_headers())
    assert [s['id'] for s in resp.get_json()['servers']] == [instance['uuid']]
    resp = keystone_api.get('/v2.1/os-services', token=None,
                            headers=_keystone_headers('admin,member,reader'))
    assert resp.status_code == 200


def test_keystone_unconfirmed_identity_is_401(keystone_api):
    resp = keystone_api.get('/v2.1/servers', token=None,
                            headers=_keystone_headers(status='Invalid'))
    assert fault(resp)[:2] == ('unauthorized', 401)
    assert keystone_api.get('/v2.1/servers', token=None).status_code == 401


def test_keystone_version_documents_bypass_auth_token(db, compute_api):
    conf = conftest.make_conf(auth_strategy='keystone')
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('www_authenticate_uri', 'http://keystone.invalid/identity',
                      group='keystone_authtoken')
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    assert app.test_client().get('/v2.1/').status_code == 200
    # No token at all: auth_token itself refuses, before the app runs.
    assert app.test_client().get('/v2.1/servers').status_code == 401


KEYSTONE_URI = 'http://127.0.0.1:5000/v3'


def _identity(**overrides):
    """The headers auth_token sets on a request whose token it validated."""
    headers = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u1', 'X-User-Name': 'alice',
               'X-User-Domain-Id': 'default', 'X-Project-Id': 'demo-project',
               'X-Project-Name': 'demo', 'X-Project-Domain-Id': 'default',
               'X-Roles': 'member,reader'}
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


@pytest.fixture
def keystone_app(db, compute_api):
    """auth_strategy=keystone with auth_token taken out, so its headers can be sent as is."""
    conf = conftest.make_conf(auth_strategy='keystone')
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('www_authenticate_uri', KEYSTONE_URI, group='keystone_authtoken')
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    app.wsgi_app = app.wsgi_app.app
    seen = []
    app.before_request(lambda: seen.append(flask.g.get('context')))
    return conftest.Api(app.test_client()), seen


def test_context_carries_user_project_domains_roles_and_request_ids(keystone_app):
    api, seen = keystone_app
    global_id = 'req-3f0c2f6e-8d61-4c1a-9a8e-3c3b8e0d6a11'
    resp = api.get('/v2.1/flavors', token=None,
                   headers=_identity(**{'X-OpenStack-Request-ID': global_id}))
    assert resp.status_code == 200
    ctx = seen[0]
    assert (ctx.user_id, ctx.project_id, ctx.user_name, ctx.project_name) == (
        'u1', 'demo-project', 'alice', 'demo')
    assert (ctx.user_domain_id, ctx.project_domain_id) == ('default', 'default')
    assert ctx.roles == ['member', 'reader'] and not ctx.is_admin
    assert ctx.request_id == resp.headers['x-openstack-request-id']
    assert ctx.global_request_id == global_id
    assert ctx.remote_address == '127.0.0.1'


def test_admin_role_makes_an_admin_context(keystone_app):
    api, seen = keystone_app
    resp = api.get('/v2.1/os-services', token=None,
                   headers=_identity(**{'X-Roles': 'admin,manager,member,reader'}))
    assert resp.status_code == 200
    assert seen[0].is_admin


@pytest.mark.parametrize('headers', [
    _identity(**{'X-Identity-Status': 'Invalid'}),
    _identity(**{'X-User-Id': None}),
    {},
], ids=['invalid-identity', 'no-user', 'nothing'])
def test_cepheid_401_has_nova_shape_and_a_keystone_challenge(keystone_app, headers):
    api, _ = keystone_app
    resp = api.get('/v2.1/servers', token=None, headers=headers)
    assert fault(resp)[:2] == ('unauthorized', 401)
    assert resp.headers['WWW-Authenticate'] == f'Keystone uri="{KEYSTONE_URI}"'


def test_token_without_a_project_is_403(keystone_app):
    api, _ = keystone_app
    resp = api.get('/v2.1/servers', token=None,
                   headers=_identity(**{'X-Project-Id': None, 'X-Roles': 'admin,reader',
                                        'OpenStack-System-Scope': 'all'}))
    assert fault(resp)[:2] == ('forbidden', 403)


def test_noauth2_401_has_no_keystone_challenge(api):
    resp = api.get('/v2.1/servers', token=None)
    assert fault(resp)[:2] == ('unauthorized', 401)
    assert 'WWW-Authenticate' not in resp.headers


def test_unreachable_keystone_is_a_json_503(db, compute_api):
    """auth_token's own 503 when it cannot validate: JSON, never an HTML page."""
    conf = conftest.make_conf(auth_strategy='keystone')
    group = 'keystone_authtoken'
    for name, opts in auth_token.list_opts():
        conf.register_opts(opts, group=name)
    conf.register_opts(loading.get_auth_plugin_conf_options('password'), group=group)
    dead = f'http://127.0.0.1:{_closed_port()}/v3'
    for name, value in {'www_authenticate_uri': dead, 'auth_url': dead,
                        'auth_type': 'password', 'username': 'cepheid', 'password': 'x',
                        'project_name': 'service', 'user_domain_name': 'Default',
                        'project_domain_name': 'Default',
                        'http_request_max_retries': 0}.items():
        conf.set_override(name, value, group=group)
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    resp = app.test_client().get('/v2.1/servers', headers={'X-Auth-Token': 'gAAAAAtoken',
                                                           'Accept': 'application/json'})
    assert fault(resp) == ('serviceUnavailable', 503,
                           'The Keystone service is temporarily unavailable.')
    assert resp.headers['x-openstack-request-id'].startswith('req-')
    assert resp.headers['x-compute-request-id'] == resp.headers['x-openstack-request-id']


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
