"""Authentication: noauth2 tokens, keystone headers, and every route refusing strangers."""

import pytest
from keystonemiddleware import auth_token

from cepheid.api import app as api_app
from cepheid.api import auth
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

PUBLIC = {'/', '/v2.1'}
SAMPLE_ARGS = {'server_id': '2b7c0d8e-7d2f-4a43-9a63-0c4f1f0e3f11', 'flavor_id': '1',
               'request_id': 'req-1'}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            yield method, rule.rule.replace('<', '{').replace('>', '}').format(**SAMPLE_ARGS)


def test_every_route_refuses_an_unauthenticated_caller(app, api):
    checked = 0
    for method, path in _routes(app):
        resp = api.request(method, path, token=None, body={} if method == 'POST' else None)
        if path in PUBLIC:
            assert resp.status_code == 200, path
        else:
            assert resp.status_code == 401, (method, path, resp.status_code)
            assert fault(resp)[:2] == ('unauthorized', 401)
        checked += 1
    assert checked >= 14


@pytest.mark.parametrize('token', ['', ':project', '   '], ids=['empty', 'no-user', 'blank'])
def test_invalid_noauth2_token_is_401(api, token):
    resp = api.get('/v2.1/servers', headers={'X-Auth-Token': token}, token=None)
    assert resp.status_code == 401


def test_token_without_project_uses_the_project_header_or_the_user(api, db):
    from tests.functional.api import fakes
    fakes.make_instance(db, project_id='p1')
    fakes.make_instance(db, project_id='demo')
    resp = api.get('/v2.1/servers', token='demo', headers={'X-Auth-Project-Id': 'p1'})
    assert len(resp.get_json()['servers']) == 1
    assert len(api.get('/v2.1/servers', token='demo').get_json()['servers']) == 1


def test_noauth2_admin_user_is_admin_and_others_are_not(app, api):
    seen = []

    @app.before_request
    def _capture():
        import flask
        seen.append(flask.g.context)

    api.get('/v2.1/flavors', token=conftest.ADMIN)
    api.get('/v2.1/flavors', token=conftest.MEMBER)
    assert seen[0].is_admin and set(seen[0].roles) == {'admin', 'member', 'reader'}
    assert not seen[1].is_admin and set(seen[1].roles) == {'member', 'reader'}
    assert (seen[1].user_id, seen[1].project_id) == ('demo', 'demo-project')


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
