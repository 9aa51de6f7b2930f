"""auth_strategy = keystone: the context comes from auth_token's headers (optional extra)."""

import pytest

from cepheid.api import app as api_app
from cepheid.api import auth
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

auth_token = pytest.importorskip('keystonemiddleware.auth_token')


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
