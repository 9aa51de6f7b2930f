"""Policy on every route: a caller without the needed role is refused (403) everywhere, a
reader may read but never act, policy files override the defaults, and the oslopolicy tools
see the rules."""

import subprocess
import sys

import flask
import pytest
import yaml

from cepheid.api import auth
from cepheid.api import policies
from cepheid.api.db import server_groups as db_groups
from cepheid.api.handlers import server_actions
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

# Routes open to any authenticated caller, as in Nova: flavors (no policy), the zone list,
# the limits of the own project and the extension list (policy "@").
UNGUARDED = ('flavors.index', 'flavors.detail', 'flavors.show', 'availability_zones.index',
             'limits.show', 'extensions.index', 'extensions.show', 'quota_sets.defaults')
GROUP_ID = '5d0c6a43-8c55-4b8e-9d1a-2f0b4f9c7e21'
# Key pairs belong to a user, whatever the roles: the unauthorized caller asks for
# another user's (?user_id= from 2.10, or user_id in the POST body).
KEYPAIRS = 'keypairs.'
OTHER_USER = 'someone-else'
ACTION_BODIES = {'reboot': {'type': 'HARD'}, 'lock': {'locked_reason': 'r'},
                 'os-resetState': {'state': 'error'},
                 'rebuild': {'imageRef': 'img'}, 'changePassword': {'adminPass': 'pw'},
                 'os-getConsoleOutput': {}, 'resize': {'flavorRef': '2'}, 'evacuate': {},
                 'os-migrateLive': {'block_migration': 'auto', 'host': None}}
# Nova's admin-only actions (os-admin-actions, os-migrate-server, os-evacuate).
ADMIN_ACTIONS = ('os-resetState', 'injectNetworkInfo', 'migrate', 'evacuate',
                 'os-migrateLive')
# Actions that answer with a body (Nova's codes); the others are 202.
ACTION_CODES = {'rescue': 200, 'os-getConsoleOutput': 200, 'confirmResize': 204,
                'evacuate': 200}
FLAVOR_ACTION = {'addTenantAccess': {'tenant': 'alt-project'}}
AGGREGATE_ACTION = {'add_host': {'host': 'compute1'}}


@pytest.fixture(autouse=True)
def server_group(db):
    """A server group of the member's project, for the os-server-groups/{id} routes."""
    with db.transaction() as session:
        return db_groups.create(session, {
            'uuid': GROUP_ID, 'name': 'g', 'policy': 'affinity', 'rules': {},
            'project_id': 'demo-project', 'user_id': 'demo'})


@pytest.fixture
def roles_app(app):
    """The app, where ``X-Test-Roles: a,b`` replaces the noauth2 roles of the caller."""

    @app.before_request
    def _roles():
        wanted = flask.request.headers.get('X-Test-Roles')
        if wanted is not None and 'context' in flask.g:
            flask.g.context.roles = [r for r in wanted.split(',') if r]
            flask.g.context.is_admin = 'admin' in flask.g.context.roles

    return conftest.Api(app.test_client())


def _operations(app, instance):
    args = {'server_id': instance['uuid'], 'flavor_id': '1', 'request_id': 'req-1',
            'key': 'hw:numa_nodes', 'keypair_name': 'k1', 'service_id': '1',
            'hypervisor_id': '1', 'aggregate_id': '1', 'host_name': 'compute1',
            'alias': 'os-hosts', 'server_group_id': GROUP_ID,
            'tenant_id': instance['project_id'], 'migration_id': '1', 'tag': 'tag1',
            'hostname_pattern': 'compute', 'before_timestamp': '2026-01-01 00:00:00'}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == 'static' or auth.is_public(rule.rule):
            continue
        path = rule.rule.replace('<', '{').replace('>', '}').format(**args)
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            yield method, path, rule.endpoint


def _call(api, method, path, roles, body=None):
    # os-hosts was removed at 2.43: its routes are asked at 2.42.
    version = '2.42' if path.startswith('/v2.1/os-hosts') else 'latest'
    return api.request(method, path, body=body, token=conftest.MEMBER, version=version,
                       headers={'X-Test-Roles': roles})


def _action_body(name):
    return {name: ACTION_BODIES.get(name)}


def test_every_guarded_route_refuses_a_caller_without_roles(app, roles_app, instance):
    checked = 0
    for method, path, endpoint in _operations(app, instance):
        if endpoint.startswith(UNGUARDED):
            continue
        body = {} if method == 'POST' else None
        if endpoint == 'server_actions.action':
            body = _action_body('reboot')
        if endpoint == 'flavor_access.action':
            body = FLAVOR_ACTION
        if endpoint == 'aggregates.action':
            body = AGGREGATE_ACTION
        if endpoint == 'keypairs.create':
            body = {'keypair': {'name': 'k1', 'user_id': OTHER_USER}}
        elif endpoint.startswith(KEYPAIRS):
            path += f'?user_id={OTHER_USER}'
        resp = _call(roles_app, method, path, '', body)
        assert resp.status_code == 403, (method, path, resp.status_code)
        assert fault(resp)[0] == 'forbidden'
        checked += 1
    assert checked >= 9


def test_a_reader_may_read_but_every_write_route_is_403(app, roles_app, compute_api,
                                                         instance):
    for method, path, endpoint in _operations(app, instance):
        if endpoint.startswith(UNGUARDED + (KEYPAIRS,)) or endpoint == 'server_actions.action':
            continue
        body = {} if method == 'POST' else None
        if endpoint == 'flavor_access.action':
            body = FLAVOR_ACTION
        if endpoint == 'aggregates.action':
            body = AGGREGATE_ACTION
        resp = _call(roles_app, method, path, 'reader', body)
        if method == 'GET':
            expected = {'services.index': 403, 'instance_actions.show': 404,
                        'flavor_access.index': 403, 'availability_zones.detail': 403,
                        'server_metadata.show': 404, 'server_tags.show': 404,
                        'flavor_extra_specs.show': 404, 'hypervisors.index': 403,
                        'hypervisors.detail': 403, 'hypervisors.statistics': 403,
                        'hypervisors.show': 403, 'migrations.index': 403,
                        'migrations.server_index': 403,
                        'migrations.server_show': 403,

                        'hypervisors.uptime': 403,
                        'hypervisors.search': 403, 'hypervisors.servers': 403,
                        'server_diagnostics.show': 403, 'simple_tenant_usage.index': 403,
                        'instance_usage_audit_log.index': 403,
                        'instance_usage_audit_log.show': 403}.get(endpoint, 200)
            if endpoint.startswith(('aggregates.', 'hosts.')):
                expected = 403     # admin only, reads included (Nova's defaults)
            assert resp.status_code == expected, (method, path, resp.status_code)
        else:
            assert resp.status_code == 403, (method, path, resp.status_code)
    assert compute_api.calls == []


@pytest.mark.parametrize('name', sorted(server_actions.ACTIONS))
def test_a_reader_is_refused_every_action(roles_app, compute_api, instance, name):
    resp = _call(roles_app, 'POST', f"/v2.1/servers/{instance['uuid']}/action", 'reader',
                 _action_body(name))
    policy = server_actions.ACTIONS[name].policy
    assert fault(resp) == ('forbidden', 403, f"Policy doesn't allow {policy} to be performed.")
    assert compute_api.calls == []


@pytest.mark.parametrize('name', sorted(set(server_actions.ACTIONS) - set(ADMIN_ACTIONS)))
def test_a_member_passes_every_action_policy(roles_app, compute_api, instance, name):
    resp = _call(roles_app, 'POST', f"/v2.1/servers/{instance['uuid']}/action", 'member',
                 _action_body(name))
    assert resp.status_code == ACTION_CODES.get(name, 202), resp.get_json()


@pytest.mark.parametrize('name', ADMIN_ACTIONS)
def test_admin_actions_refuse_a_member_and_pass_an_admin(roles_app, compute_api, instance,
                                                          name):
    path = f"/v2.1/servers/{instance['uuid']}/action"
    resp = _call(roles_app, 'POST', path, 'member,reader', _action_body(name))
    assert fault(resp)[:2] == ('forbidden', 403)
    assert compute_api.calls == []
    resp = _call(roles_app, 'POST', path, 'admin', _action_body(name))
    assert resp.status_code == ACTION_CODES.get(name, 202), resp.get_json()


def test_policy_file_overrides_lock_rules(api_with_policy, compute_api, db):
    api = api_with_policy({
        'os_compute_api:os-lock-server:lock': 'rule:context_is_admin',
        'os_compute_api:os-lock-server:unlock:unlock_override': 'rule:project_member_api',
    })
    server = fakes.make_instance(db, locked=True, locked_by='admin')
    resp = api.action(server['uuid'], {'lock': None})
    assert fault(resp)[:2] == ('forbidden', 403)
    assert api.action(server['uuid'], {'lock': None}, token=conftest.ADMIN).status_code == 202
    # The owner may now lift an admin's lock.
    assert api.action(server['uuid'], {'unlock': None}).status_code == 202
    assert [c[0] for c in compute_api.calls] == ['lock', 'unlock']


def test_policy_file_can_show_event_tracebacks_to_members(api_with_policy, db, instance):
    from cepheid.api.db import actions as db_actions
    with db.transaction() as session:
        db_actions.action_start(session, instance_uuid=instance['uuid'], request_id='req-1',
                                action='reboot', user_id='demo', project_id='demo-project')
        db_actions.event_finish(session, instance_uuid=instance['uuid'], request_id='req-1',
                                event='compute_reboot_instance', host='compute1',
                                result='Error', traceback='Traceback: boom')
    api = api_with_policy({'os_compute_api:os-instance-actions:events':
                           'rule:project_reader_or_admin'})
    url = f"/v2.1/servers/{instance['uuid']}/os-instance-actions/req-1"
    event = api.get(url, version='2.1').get_json()['instanceAction']['events'][0]
    assert event['traceback'] == 'Traceback: boom'


def test_policy_file_in_yaml_is_read(conf, db, compute_api, instance, tmp_path):
    from cepheid.api import app as api_app
    path = tmp_path / 'policy.yaml'
    path.write_text(yaml.safe_dump({'os_compute_api:servers:show': '!'}))
    conf.set_override('policy_file', str(path), group='oslo_policy')
    api = conftest.Api(api_app.create_app(
        conf, conftest.make_services(conf, db, compute_api)).test_client())
    resp = api.get(f"/v2.1/servers/{instance['uuid']}", token=conftest.ADMIN)
    assert fault(resp)[:2] == ('forbidden', 403)


def test_oslopolicy_sample_generator_lists_every_rule(tmp_path):
    out = tmp_path / 'policy.yaml.sample'
    subprocess.run([sys.executable, '-c',
                    'import sys; from oslo_policy import generator; '
                    'sys.exit(generator.generate_sample())',
                    '--namespace', 'cepheid', '--output-file', str(out)], check=True)
    text = out.read_text()
    for rule in policies.list_rules():
        assert f'"{rule.name}"' in text, rule.name


def test_oslopolicy_policy_generator_uses_the_enforcer_entry_point(tmp_path):
    out = tmp_path / 'effective.yaml'
    subprocess.run([sys.executable, '-c',
                    'import sys; from oslo_policy import generator; '
                    'sys.exit(generator.generate_policy())',
                    '--namespace', 'cepheid', '--output-file', str(out)], check=True)
    rules = yaml.safe_load(out.read_text())
    assert rules['os_compute_api:os-lock-server:unlock:unlock_override'] == (
        'rule:context_is_admin')
