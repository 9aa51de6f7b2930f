"""What every response carries: version documents, microversion echo, request ids, faults."""

import re
import uuid

import pytest

from tests.functional.api import conftest
from tests.functional.api.conftest import fault

REQ_ID = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$')


@pytest.mark.parametrize('path', ['/', '/v2.1', '/v2.1/'])
def test_version_documents_need_no_token(api, path):
    resp = api.get(path, token=None)
    assert resp.status_code == 200
    body = resp.get_json()
    doc = body['versions'][1] if path == '/' else body['version']
    assert doc['id'] == 'v2.1'
    assert doc['status'] == 'CURRENT'
    assert doc['version'] == '2.90'
    assert doc['min_version'] == '2.1'
    assert {'rel': 'self', 'href': 'http://localhost/v2.1/'} in doc['links']


@pytest.mark.parametrize('headers,expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.53'}, '2.53'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.90'),
    ({'X-OpenStack-Nova-API-Version': '2.9'}, '2.9'),
    ({'OpenStack-API-Version': 'compute 2.60', 'X-OpenStack-Nova-API-Version': '2.9'}, '2.60'),
    ({'OpenStack-API-Version': 'placement 1.10'}, '2.1'),
])
def test_microversion_is_echoed_with_vary(api, headers, expected):
    resp = api.get('/v2.1/flavors', headers=headers)
    assert resp.status_code == 200
    assert resp.headers['OpenStack-API-Version'] == f'compute {expected}'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == expected
    assert resp.headers['Vary'] == 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'


def test_error_responses_echo_the_microversion_too(api):
    resp = api.get('/v2.1/servers/nope', version='2.10')
    assert resp.status_code == 404
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.10'


@pytest.mark.parametrize('value', ['2', 'two.one', '2.01', '2.1.1', 'compute'])
def test_malformed_microversion_is_400(api, value):
    resp = api.get('/v2.1/flavors', headers={'OpenStack-API-Version': f'compute {value}'})
    assert fault(resp)[:2] == ('badRequest', 400)


@pytest.mark.parametrize('value', ['2.0', '2.91', '3.0', '1.1'])
def test_out_of_range_microversion_is_406(api, value):
    resp = api.get('/v2.1/flavors', version=value)
    assert fault(resp) == ('computeFault', 406,
                           f'Version {value} is not supported by the API. '
                           'Minimum is 2.1 and maximum is 2.90.')


@pytest.mark.parametrize('method,path', [
    ('GET', '/'), ('GET', '/v2.1/flavors'), ('GET', '/v2.1/nowhere'), ('GET', '/v2.1/servers'),
])
def test_every_response_has_one_request_id_in_both_headers(api, method, path):
    resp = api.request(method, path)
    rid = resp.headers['x-openstack-request-id']
    assert REQ_ID.match(rid)
    assert resp.headers['x-compute-request-id'] == rid


def test_request_ids_are_fresh_and_the_callers_id_is_kept_as_global(api, app, instance):
    seen = []
    app.before_request_funcs[None].append(lambda: seen.append(_context()))
    incoming = f'req-{uuid.uuid4()}'
    resp = api.get('/v2.1/servers', headers={'X-OpenStack-Request-ID': incoming})
    assert resp.headers['x-openstack-request-id'] != incoming
    assert seen[-1].request_id == resp.headers['x-openstack-request-id']
    assert seen[-1].global_request_id == incoming
    api.get('/v2.1/servers', headers={'X-OpenStack-Request-ID': 'not-an-id'})
    assert seen[-1].global_request_id is None


def _context():
    import flask
    return flask.g.context


def test_unknown_url_is_404_json(api):
    assert fault(api.get('/v2.1/nowhere')) == ('itemNotFound', 404,
                                                'The resource could not be found.')


def test_wrong_method_is_405_json_with_allow(api):
    resp = api.request('PUT', '/v2.1/flavors')
    assert fault(resp)[:2] == ('badMethod', 405)
    assert 'GET' in resp.headers['Allow']


def test_oversized_body_is_413(api, instance):
    big = {'reboot': {'type': 'HARD', 'pad': 'x' * 120000}}
    resp = api.action(instance['uuid'], big)
    assert fault(resp) == ('overLimit', 413, 'Request is too large.')


def test_body_size_limit_follows_the_option(db, compute_api):
    conf = conftest.make_conf(max_request_body_size=100)
    app = conftest.api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    resp = conftest.Api(app.test_client()).post('/v2.1/servers',
                                                {'server': {'name': 'x' * 200}})
    assert resp.status_code == 413


@pytest.mark.parametrize('path,body', [
    ('/v2.1/servers', '{"server": '), ('/v2.1/servers', '[]'), ('/v2.1/servers', 'null'),
    ('/v2.1/servers', '{"server": {"name": 1, "flavorRef": []}}'),
    ('/v2.1/servers', '\xff\xfe'),
], ids=['truncated', 'list', 'null', 'wrong-types', 'not-utf8'])
def test_bad_input_never_gives_5xx(api, path, body):
    resp = api.post(path, data=body, headers={'Content-Type': 'application/json'})
    assert 400 <= resp.status_code < 500
    assert resp.mimetype == 'application/json'
