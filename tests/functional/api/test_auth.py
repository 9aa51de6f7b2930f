"""Authentication with noauth2, and every route refusing an unauthenticated caller."""

import pytest

from cepheid.api import auth
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

SAMPLE_ARGS = {'server_id': '2b7c0d8e-7d2f-4a43-9a63-0c4f1f0e3f11', 'flavor_id': '1',
               'request_id': 'req-1', 'key': 'hw:numa_nodes', 'keypair_name': 'k1',
               'service_id': '1', 'hypervisor_id': '1', 'name': 'dashboard.js',
               'server_group_id': '5d0c6a43-8c55-4b8e-9d1a-2f0b4f9c7e21',
               'tenant_id': 'demo-project', 'aggregate_id': '1', 'host_name': 'compute1',
               'alias': 'os-hosts', 'migration_id': '1', 'tag': 'tag1',
               'hostname_pattern': 'compute', 'before_timestamp': '2026-01-01'}


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
        if auth.is_public(path):
            # Public documents need no token (a token endpoint may still refuse {}).
            assert method != 'GET' or resp.status_code == 200, (path, resp.status_code)
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
