"""Server tags (2.26): the /tags routes, Nova's limits, states and errors, the tags in the
server views, the list filters and tags at create (2.52), with the rows they leave."""

import pytest

from cepheid.api.db import tags as db_tags
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

V = '2.26'


def _tags_url(instance, tag=None):
    url = f"/v2.1/servers/{instance['uuid']}/tags"
    return url if tag is None else f'{url}/{tag}'


def _put(api, url, body=None, **kwargs):
    kwargs.setdefault('version', V)
    return api.request('PUT', url, body, **kwargs)


def _stored(db, instance):
    with db.transaction() as session:
        return db_tags.get(session, instance['uuid'])


def test_before_226_the_tags_routes_do_not_exist(api, instance):
    for method in ('GET', 'PUT', 'DELETE'):
        resp = api.request(method, _tags_url(instance, 'a'), version='2.25')
        assert fault(resp) == ('itemNotFound', 404, 'The resource could not be found.')
    assert fault(api.get(_tags_url(instance), version='2.25'))[1] == 404


def test_add_check_list_and_delete_one_tag(api, db, instance):
    assert api.get(_tags_url(instance), version=V).get_json() == {'tags': []}
    resp = _put(api, _tags_url(instance, 'web'))
    assert resp.status_code == 201
    assert resp.headers['Location'] == (
        f"http://localhost/v2.1/servers/{instance['uuid']}/tags/web")
    assert resp.get_data() == b''
    again = _put(api, _tags_url(instance, 'web'))
    assert again.status_code == 204 and 'Location' not in again.headers
    assert api.get(_tags_url(instance, 'web'), version=V).status_code == 204
    assert fault(api.get(_tags_url(instance, 'db'), version=V)) == (
        'itemNotFound', 404, f"Server {instance['uuid']} has no tag 'db'")
    assert api.get(_tags_url(instance), version=V).get_json() == {'tags': ['web']}
    assert _stored(db, instance) == ['web']
    assert api.delete(_tags_url(instance, 'web'), version=V).status_code == 204
    assert fault(api.delete(_tags_url(instance, 'web'), version=V)) == (
        'itemNotFound', 404, f"Instance {instance['uuid']} has no tag 'web'")
    assert _stored(db, instance) == []


def test_replace_all_drops_duplicates_and_delete_all_empties(api, db, instance):
    _put(api, _tags_url(instance, 'old'))
    resp = _put(api, _tags_url(instance), {'tags': ['b', 'a', 'b']})
    assert resp.status_code == 200
    assert resp.get_json() == {'tags': ['a', 'b']}
    assert _stored(db, instance) == ['a', 'b']
    assert api.delete(_tags_url(instance), version=V).status_code == 204
    assert _stored(db, instance) == []


@pytest.mark.parametrize('tag, error', [
    ('a,b', "'a,b' does not match '^[^,/]*$'"),
    ('x' * 61, f"'{'x' * 61}' is too long"),
])
def test_an_invalid_tag_in_the_url_is_400(api, instance, tag, error):
    name, code, message = fault(_put(api, _tags_url(instance, tag)))
    assert (name, code) == ('badRequest', 400)
    assert message == (f"Tag '{tag}' is invalid. It must be a non empty string without "
                       f"characters '/' and ','. Validation error message: {error}")


@pytest.mark.parametrize('body', [{}, {'tags': 'a'}, {'tags': ['a/b']}, {'tags': ['']},
                                  {'tags': [str(i) for i in range(51)]},
                                  {'tags': [], 'more': 1}])
def test_a_bad_replace_body_is_400(api, db, instance, body):
    assert fault(_put(api, _tags_url(instance), body))[:2] == ('badRequest', 400)
    assert _stored(db, instance) == []


def test_a_body_on_the_single_tag_put_is_400(api, instance):
    assert fault(_put(api, _tags_url(instance, 'a'), {}))[:2] == ('badRequest', 400)


def test_fifty_tags_at_most(api, db, instance):
    fifty = [f't{i}' for i in range(50)]
    assert _put(api, _tags_url(instance), {'tags': fifty}).status_code == 200
    # As Nova: the limit is checked before the tag's presence, so even a known tag is 400.
    for tag in ('t50', 't0'):
        assert fault(_put(api, _tags_url(instance, tag))) == (
            'badRequest', 400, 'The number of tags exceeded the per-server limit 50')
    assert len(_stored(db, instance)) == 50


@pytest.mark.parametrize('vm_state', ['error', 'building', 'rescued', 'soft-delete'])
def test_writes_are_409_unless_active_paused_suspended_or_stopped(api, db, vm_state):
    instance = fakes.make_instance(db, vm_state=vm_state)
    for method, url, body, op in [
            ('PUT', _tags_url(instance, 'a'), None, 'update tag'),
            ('PUT', _tags_url(instance), {'tags': ['a']}, 'update tags'),
            ('DELETE', _tags_url(instance, 'a'), None, 'delete tag'),
            ('DELETE', _tags_url(instance), None, 'delete tags')]:
        resp = api.request(method, url, body, version=V)
        assert fault(resp) == (
            'conflictingRequest', 409, f"Cannot '{op}' instance {instance['uuid']} while it "
                                       f'is in vm_state {vm_state}'), (method, url)
    assert api.get(_tags_url(instance), version=V).get_json() == {'tags': []}


@pytest.mark.parametrize('vm_state', ['paused', 'suspended', 'stopped'])
def test_writes_pass_in_the_other_states_with_a_task_and_a_lock(api, db, vm_state):
    # Nova checks neither the lock nor task_state for tags.
    instance = fakes.make_instance(db, vm_state=vm_state, task_state='rebooting_hard',
                                   locked=True, locked_by='admin')
    assert _put(api, _tags_url(instance, 'a')).status_code == 201


def test_another_projects_server_is_404_and_a_reader_may_only_read(api_with_policy, db,
                                                                   api):
    other = fakes.make_instance(db, project_id='alt-project', user_id='alt')
    assert fault(api.get(_tags_url(other), version=V))[:2] == ('itemNotFound', 404)
    mine = fakes.make_instance(db)
    reader = api_with_policy({'os_compute_api:os-server-tags:update': '!'})
    assert fault(_put(reader, _tags_url(mine, 'a')))[:2] == ('forbidden', 403)
    assert _put(api, _tags_url(mine, 'a'), token=conftest.ADMIN).status_code == 201


def test_server_views_show_tags_from_226(api, db, instance):
    _put(api, _tags_url(instance), {'tags': ['b', 'a']})
    url = f"/v2.1/servers/{instance['uuid']}"
    assert api.get(url, version=V).get_json()['server']['tags'] == ['a', 'b']
    assert 'tags' not in api.get(url, version='2.25').get_json()['server']
    detail = api.get('/v2.1/servers/detail', version=V).get_json()['servers']
    assert [s['tags'] for s in detail] == [['a', 'b']]
    updated = _put(api, url, {'server': {'name': 'renamed'}})
    assert updated.get_json()['server']['tags'] == ['a', 'b']
    latest = _put(api, url, {'server': {'name': 'renamed'}}, version='latest')
    assert latest.get_json()['server']['tags'] == ['a', 'b']


@pytest.mark.parametrize('query, expected', [
    ('tags=a,b', {'ab'}),
    ('tags=a', {'ab', 'a'}),
    ('tags-any=b,c', {'ab', 'c'}),
    ('not-tags=a,b', {'a', 'c', 'none'}),
    ('not-tags-any=a,c', {'none'}),
    ('tags=a&not-tags-any=b', {'a'}),
])
def test_list_filters_by_tags_from_226(api, db, query, expected):
    servers = {'ab': ['a', 'b'], 'a': ['a'], 'c': ['c'], 'none': []}
    for name, tags in servers.items():
        made = fakes.make_instance(db, display_name=name)
        with db.transaction() as session:
            db_tags.replace(session, made['uuid'], tags)
    for path in ('/v2.1/servers', '/v2.1/servers/detail'):
        found = api.get(f'{path}?{query}', version=V).get_json()['servers']
        assert {s['name'] for s in found} == expected, (path, query)
        ignored = api.get(f'{path}?{query}', version='2.25').get_json()['servers']
        assert len(ignored) == 4


def test_tags_at_create_from_252(api, db):
    body = {'server': {'name': 'web', 'flavorRef': '1', 'tags': ['x', 'y']}}
    assert fault(api.post('/v2.1/servers', body, version='2.51'))[:2] == ('badRequest', 400)
    resp = api.post('/v2.1/servers', body, version='2.52')
    assert resp.status_code == 202
    server_id = resp.get_json()['server']['id']
    assert 'tags' not in resp.get_json()['server']
    assert _stored(db, {'uuid': server_id}) == ['x', 'y']
    shown = api.get(f'/v2.1/servers/{server_id}', version='latest').get_json()['server']
    assert shown['tags'] == ['x', 'y']
    too_many = {'server': {'name': 'w', 'flavorRef': '1', 'tags': ['t'] * 51}}
    assert fault(api.post('/v2.1/servers', too_many, version='latest'))[:2] == (
        'badRequest', 400)


def test_deleting_the_server_deletes_its_tags(api, db, instance):
    _put(api, _tags_url(instance), {'tags': ['a']})
    assert api.delete(f"/v2.1/servers/{instance['uuid']}").status_code == 204
    assert _stored(db, instance) == []
