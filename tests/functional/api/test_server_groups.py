"""os-server-groups: CRUD in each microversion's shape, members from the create hint,
policies, quotas (server_groups, server_group_members)."""

import pytest

from cepheid.api.db import server_groups as db_groups
from tests.functional.api import conftest
from tests.functional.api.conftest import fault

MISSING = '6b8b4f5e-2a3c-4d1e-9f0a-1b2c3d4e5f60'


def _group(api, version='2.1', token=conftest.MEMBER, **group):
    group.setdefault('name', 'g')
    if version >= '2.64':
        group.setdefault('policy', 'anti-affinity')
    else:
        group.setdefault('policies', ['affinity'])
    return api.post('/v2.1/os-server-groups', {'server_group': group}, version=version,
                    token=token)


def _server(api, group_id, **server):
    body = {'server': {'name': 'web', 'flavorRef': '1', **server},
            'os:scheduler_hints': {'group': group_id}}
    return api.post('/v2.1/servers', body, version='2.1')


def test_create_show_list_delete_in_the_2_1_shape(api):
    resp = _group(api, policies=['anti-affinity'])
    assert resp.status_code == 200
    group = resp.get_json()['server_group']
    assert set(group) == {'id', 'name', 'policies', 'members', 'metadata'}
    assert (group['policies'], group['members'], group['metadata']) == (
        ['anti-affinity'], [], {})
    shown = api.get(f"/v2.1/os-server-groups/{group['id']}").get_json()['server_group']
    assert shown == group
    listed = api.get('/v2.1/os-server-groups').get_json()['server_groups']
    assert listed == [group]
    assert api.delete(f"/v2.1/os-server-groups/{group['id']}").status_code == 204
    assert fault(api.get(f"/v2.1/os-server-groups/{group['id']}")) == (
        'itemNotFound', 404, f"Instance group {group['id']} could not be found.")


def test_2_13_adds_owner_and_2_64_has_policy_and_rules(api):
    group = _group(api, version='2.13').get_json()['server_group']
    assert (group['project_id'], group['user_id']) == ('demo-project', 'demo')
    resp = _group(api, version='2.64', rules={'max_server_per_host': 3})
    group = resp.get_json()['server_group']
    assert set(group) == {'id', 'name', 'policy', 'rules', 'members', 'project_id',
                          'user_id'}
    assert (group['policy'], group['rules']) == ('anti-affinity', {'max_server_per_host': 3})
    old = api.get(f"/v2.1/os-server-groups/{group['id']}", version='2.1')
    assert old.get_json()['server_group']['policies'] == ['anti-affinity']


@pytest.mark.parametrize('version,group', [
    ('2.1', {'policies': ['soft-affinity']}),
    ('2.1', {'policies': ['affinity', 'anti-affinity']}),
    ('2.15', {'policies': []}),
    ('2.64', {'policies': ['affinity']}),
    ('2.64', {'policy': 'affinity', 'rules': {'max_server_per_host': 2}}),
    ('2.64', {'policy': 'anti-affinity', 'rules': {'max_server_per_host': 0}}),
    ('2.1', {'name': ''}),
])
def test_bad_bodies_are_400(api, version, group):
    body = {'name': 'g', **group}
    resp = api.post('/v2.1/os-server-groups', {'server_group': body}, version=version)
    assert fault(resp)[:2] == ('badRequest', 400)


def test_soft_policies_from_2_15(api):
    group = _group(api, version='2.15', policies=['soft-anti-affinity'])
    assert group.get_json()['server_group']['policies'] == ['soft-anti-affinity']


def test_a_hinted_server_joins_the_group_and_leaves_it_when_deleted(api, db):
    group = _group(api).get_json()['server_group']
    server = _server(api, group['id'], min_count=2).get_json()['server']
    members = api.get(f"/v2.1/os-server-groups/{group['id']}").get_json()[
        'server_group']['members']
    assert len(members) == 2 and server['id'] in members
    with db.transaction() as session:
        assert db_groups.group_of(session, server['id'])['uuid'] == group['id']
        assert sum(db_groups.hosts_of_members(session, group['id']).values()) == 2
    assert api.delete(f"/v2.1/servers/{server['id']}").status_code == 204
    members = api.get(f"/v2.1/os-server-groups/{group['id']}").get_json()[
        'server_group']['members']
    assert server['id'] not in members and len(members) == 1


def test_a_missing_or_malformed_group_hint_is_400(api):
    assert fault(_server(api, MISSING)) == (
        'badRequest', 400, f'Instance group {MISSING} could not be found.')
    assert fault(_server(api, 'not-a-uuid'))[:2] == ('badRequest', 400)
    assert api.get('/v2.1/servers').get_json()['servers'] == []


def test_other_projects_groups_are_hidden_unless_admin_asks_for_all(api):
    mine = _group(api).get_json()['server_group']
    theirs = _group(api, token=conftest.OTHER).get_json()['server_group']
    assert [g['id'] for g in api.get('/v2.1/os-server-groups').get_json()[
        'server_groups']] == [mine['id']]
    assert api.get(f"/v2.1/os-server-groups/{theirs['id']}").status_code == 403
    assert api.delete(f"/v2.1/os-server-groups/{theirs['id']}").status_code == 403
    every = api.get('/v2.1/os-server-groups?all_projects=True', token=conftest.ADMIN)
    assert {g['id'] for g in every.get_json()['server_groups']} == {mine['id'], theirs['id']}
    own = api.get('/v2.1/os-server-groups?all_projects=True').get_json()['server_groups']
    assert [g['id'] for g in own] == [mine['id']]
    paged = api.get('/v2.1/os-server-groups?all_projects=1&limit=1&offset=1',
                    token=conftest.ADMIN).get_json()['server_groups']
    assert [g['id'] for g in paged] == [theirs['id']]


def test_server_group_and_member_quotas_are_403(api):
    admin = conftest.ADMIN
    resp = api.request('PUT', '/v2.1/os-quota-sets/demo-project', {'quota_set': {
        'server_groups': 1, 'server_group_members': 1}}, token=admin)
    assert resp.status_code == 200, resp.get_json()
    group = _group(api).get_json()['server_group']
    assert fault(_group(api)) == (
        'forbidden', 403, 'Quota exceeded, too many server groups.')
    assert _server(api, group['id']).status_code == 202
    assert fault(_server(api, group['id'])) == (
        'forbidden', 403, 'Quota exceeded, too many servers in group')
