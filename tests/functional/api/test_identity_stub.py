"""The noauth2 identity stub: version documents and noauth2 tokens with a catalog."""

from cepheid.api import app as api_app
from tests.functional.api import conftest
from tests.functional.api.conftest import fault


def _password(user, project=None):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {
        'user': {'name': user, 'domain': {'id': 'default'}, 'password': 'ignored'}}}}}
    if project:
        body['auth']['scope'] = {'project': {'name': project, 'domain': {'id': 'default'}}}
    return body


def _token_method(token, project_id=None):
    body = {'auth': {'identity': {'methods': ['token'], 'token': {'id': token}}}}
    if project_id:
        body['auth']['scope'] = {'project': {'id': project_id}}
    return body


def test_version_documents_need_no_token(api):
    listed = api.get('/identity', token=None)
    assert listed.status_code == 200
    [v3] = listed.get_json()['versions']['values']
    assert v3['id'].startswith('v3.') and v3['status'] == 'stable'
    assert v3['links'][0]['href'] == 'http://localhost/identity/v3/'
    doc = api.get('/identity/v3/', token=None)
    assert doc.status_code == 200 and doc.get_json()['version'] == v3


def test_password_token_is_the_noauth2_token_with_a_compute_catalog(api):
    resp = api.post('/identity/v3/auth/tokens', _password('demo', 'demo-project'), token=None)
    assert resp.status_code == 201
    assert resp.headers['X-Subject-Token'] == 'demo:demo-project'
    token = resp.get_json()['token']
    assert token['user']['id'] == 'demo' and token['project']['id'] == 'demo-project'
    assert {r['name'] for r in token['roles']} == {'member', 'reader'}
    compute = next(s for s in token['catalog'] if s['type'] == 'compute')
    assert {e['interface'] for e in compute['endpoints']} == {'public', 'internal', 'admin'}
    assert {e['url'] for e in compute['endpoints']} == {'http://localhost/v2.1'}
    # The issued token works at the compute API.
    assert api.get('/v2.1/servers', token=resp.headers['X-Subject-Token']).status_code == 200


def test_token_method_keeps_the_user_and_takes_the_scope(api):
    resp = api.post('/identity/v3/auth/tokens', _token_method('admin:x', 'admin-project'),
                    token=None)
    assert resp.status_code == 201
    assert resp.headers['X-Subject-Token'] == 'admin:admin-project'
    assert 'admin' in {r['name'] for r in resp.get_json()['token']['roles']}
    unscoped = api.post('/identity/v3/auth/tokens', _token_method('demo:demo-project'),
                        token=None)
    assert unscoped.headers['X-Subject-Token'] == 'demo:demo-project'


def test_unscoped_password_token_has_no_project_nor_catalog(api):
    resp = api.post('/identity/v3/auth/tokens', _password('demo'), token=None)
    assert resp.status_code == 201 and resp.headers['X-Subject-Token'] == 'demo'
    assert 'catalog' not in resp.get_json()['token']


def test_no_credentials_is_401(api):
    for body in ({}, {'auth': {'identity': {'methods': ['totp']}}}, _token_method(':p')):
        resp = api.post('/identity/v3/auth/tokens', body, token=None)
        assert fault(resp)[:2] == ('unauthorized', 401), body


def test_stub_is_not_routed_with_keystone_auth(db, compute_api):
    conf = conftest.make_conf(auth_strategy='keystone')
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not any(rule.startswith('/identity') for rule in rules)
