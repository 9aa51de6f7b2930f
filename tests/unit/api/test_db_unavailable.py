"""Database down → 503 serviceUnavailable with Retry-After, one log line, on every route
(issue 14 item 4). The database is an SQLite file in a directory that does not exist."""

import logging
import re

import pytest

from cepheid.api import app as api_app
from cepheid.api import conf as api_conf
from cepheid.api import routes
from cepheid.api import service as api_service
from cepheid.api.db import session as db_session
from cepheid.common import config

ADMIN = {'X-Auth-Token': 'admin:admin-project', 'OpenStack-API-Version': 'compute 2.90'}
UUID = '5f0b1d3e-9c7a-4f43-8d1c-3a2b1c0d9e8f'
# Served from code alone (the default quotas are options): nothing to ask the database.
NO_DATABASE = {'/', '/v2.1', '/openapi.json', '/v2.1/extensions', '/v2.1/extensions/<alias>',
               '/v2.1/os-quota-sets/<tenant_id>/defaults'}
BODIES = {('/v2.1/servers', 'POST'): {'server': {'name': 'vm', 'flavorRef': '1'}},
          (routes.SERVER + '/action', 'POST'): {'reboot': {'type': 'HARD'}},
          ('/v2.1/flavors', 'POST'): {'flavor': {'name': 'f', 'ram': 1, 'vcpus': 1, 'disk': 1}},
          (routes.FLAVOR, 'PUT'): {'flavor': {'description': 'd'}},
          (routes.FLAVOR + '/action', 'POST'): {'addTenantAccess': {'tenant': 'p'}},
          (routes.SPECS, 'POST'): {'extra_specs': {'k': 'v'}},
          (routes.SPECS + '/<key>', 'PUT'): {UUID: 'v'},
          ('/v2.1/os-keypairs', 'POST'): {'keypair': {'name': 'k'}},
          ('/v2.1/os-services/<service_id>', 'PUT'): {'status': 'disabled'},
          ('/v2.1/os-aggregates', 'POST'): {'aggregate': {'name': 'a'}},
          (routes.AGGREGATE, 'PUT'): {'aggregate': {'name': 'a'}},
          (routes.AGGREGATE + '/action', 'POST'): {'add_host': {'host': 'h'}},
          (routes.HOST, 'PUT'): {'status': 'enable'},
          ('/v2.1/os-server-groups', 'POST'): {'server_group': {'name': 'g',
                                                                'policy': 'affinity'}},
          ('/v2.1/os-quota-sets/<tenant_id>', 'PUT'): {'quota_set': {'instances': 1}},
          ('/v2.1/os-server-external-events', 'POST'): {
              'events': [{'name': 'network-changed', 'server_uuid': UUID}]},
          (routes.SERVER + '/tags', 'PUT'): {'tags': ['a']}}
# Path parameters that are not uuids (aggregate ids are integers, as in Nova).
PATH_VALUES = {'<aggregate_id>': '1', '<hostname_pattern>': 'compute',
               '<before_timestamp>': '2026-01-01 00:00:00'}
# Routes gone at 2.90, asked at their last microversion (os-hosts was removed at 2.43).
VERSIONS = {'/v2.1/os-hypervisors/statistics': '2.87',
            '/v2.1/os-hypervisors/<hypervisor_id>/uptime': '2.87',
            '/v2.1/os-hypervisors/<hostname_pattern>/search': '2.52',
            '/v2.1/os-hypervisors/<hostname_pattern>/servers': '2.52',
            **{rule: '2.42' for rule, _, _ in routes.ROUTES
               if rule.startswith('/v2.1/os-hosts')}}


@pytest.fixture(scope='module')
def client(tmp_path_factory):
    conf = config.make_conf(api_conf.register_opts)
    conf([])
    conf.set_override('auth_strategy', 'noauth2', group='api')
    conf.set_override('transport_url', 'fake://')
    conf.set_override('db_retry_after', 7, group='api')
    missing = tmp_path_factory.mktemp('db') / 'no-such-dir' / 'cepheid.sqlite'
    services = api_service.ApiServices(conf, db=db_session.Database(f'sqlite:///{missing}'))
    return api_app.create_app(conf, services).test_client()


def _cases():
    for rule, method, _ in routes.ROUTES:
        if rule not in NO_DATABASE:
            yield rule, method


@pytest.mark.parametrize('rule,method', list(_cases()))
def test_every_route_answers_503_with_retry_after_and_one_log_line(client, caplog, rule,
                                                                   method):
    path = re.sub(r'<[a-z_]+>', lambda m: PATH_VALUES.get(
        m.group(), 'req-x' if 'request' in m.group() else UUID), rule)
    caplog.set_level(logging.INFO)
    headers = dict(ADMIN)
    if rule in VERSIONS:
        headers['OpenStack-API-Version'] = f'compute {VERSIONS[rule]}'
    response = client.open(path, method=method, json=BODIES.get((rule, method)),
                           headers=headers)
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers['Retry-After'] == '7'
    assert response.get_json() == {'serviceUnavailable': {
        'code': 503, 'message': 'The database is unavailable. Please try again later.'}}
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert 'Database unavailable' in errors[0].getMessage()
    assert 'unable to open database file' in errors[0].getMessage()


def test_the_version_documents_need_no_database(client):
    assert client.get('/', headers=ADMIN).status_code == 200
