"""GET /openapi.json: public, and true to the app: every routed operation is documented and
nothing else, request bodies and query parameters are the schemas the handlers validate with."""

import jsonschema
import pytest

from cepheid.api import microversion
from cepheid.api import openapi
from cepheid.api import routes
from cepheid.api.schemas import instance_actions as ia_schemas
from cepheid.api.schemas import server_actions as action_schemas
from cepheid.api.schemas import servers as server_schemas


@pytest.fixture
def doc(api):
    resp = api.get('/openapi.json', token=None)
    assert resp.status_code == 200
    assert resp.mimetype == 'application/json'
    return resp.get_json()


def _documented(doc):
    return {(path, method.upper()) for path, item in doc['paths'].items() for method in item}


def test_served_without_a_token_as_openapi_31(doc):
    assert doc['openapi'] == '3.1.0'
    assert doc['info']['version'] == microversion.MAX_VERSION
    assert doc['components']['securitySchemes']['token'] == {
        'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token'}


def test_every_route_and_method_is_documented_and_nothing_else(app, doc):
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        for method in rule.methods - {'HEAD', 'OPTIONS'}:
            routed.add((openapi.openapi_path(rule.rule), method))
    assert routed == _documented(doc)
    assert len(routed) >= 15


def test_every_route_of_the_table_has_its_own_description():
    described = set(openapi.OPERATIONS)
    table = {routes.endpoint(handler) for _rule, _method, handler in routes.ROUTES}
    assert table <= described, table - described
    assert described <= table, described - table


def test_request_bodies_are_the_validation_schemas(doc):
    create = doc['paths']['/v2.1/servers']['post']['requestBody']
    assert create['content']['application/json']['schema'] == server_schemas.create_schema(
        microversion.MAX)
    action = doc['paths']['/v2.1/servers/{server_id}/action']['post']['requestBody']
    assert action['content']['application/json']['schema']['oneOf'] == list(
        action_schemas.by_action(microversion.MAX).values())


def test_every_action_of_the_dispatch_table_has_a_schema():
    from cepheid.api.handlers import server_actions
    for version in (microversion.MIN, microversion.APIVersion(2, 73), microversion.MAX):
        in_force = {name for name in server_actions.ACTIONS
                    if version >= action_schemas.MIN_VERSIONS.get(name, '2.1')}
        assert set(action_schemas.by_action(version)) == in_force


def test_query_parameters_come_from_the_query_schemas(doc):
    op = doc['paths']['/v2.1/servers/{server_id}/os-instance-actions']['get']
    names = [p['name'] for p in op['parameters'] if p['in'] == 'query']
    assert names == list(ia_schemas.list_query_v266['properties'])
    servers = doc['paths']['/v2.1/servers/detail']['get']['parameters']
    status = next(p for p in servers if p['name'] == 'status')
    assert status['style'] == 'form' and status['schema']['type'] == 'array'


def test_path_parameters_are_required_strings(doc):
    op = doc['paths']['/v2.1/servers/{server_id}/os-instance-actions/{request_id}']['get']
    assert [(p['name'], p['in'], p['required']) for p in op['parameters']] == [
        ('server_id', 'path', True), ('request_id', 'path', True)]


def test_public_operations_need_no_token_and_others_may_be_401(doc):
    assert doc['paths']['/']['get']['security'] == []
    assert doc['paths']['/openapi.json']['get']['security'] == []
    show = doc['paths']['/v2.1/servers/{server_id}']['get']
    assert 'security' not in show and '401' in show['responses']
    assert show['responses']['404']['description'] == 'itemNotFound'


def test_every_schema_in_the_document_is_valid(doc):
    for item in doc['paths'].values():
        for op in item.values():
            body = op.get('requestBody', {}).get('content', {}).get('application/json', {})
            if body:
                jsonschema.Draft202012Validator.check_schema(body['schema'])
            for param in op.get('parameters', []):
                jsonschema.Draft202012Validator.check_schema(param['schema'])


def test_servers_url_is_where_the_client_came_from(api):
    doc = api.get('/openapi.json', token=None, headers={'Host': 'api.example:8774'}).get_json()
    assert doc['servers'] == [{'url': 'http://api.example:8774'}]
