"""/os-aggregates: Nova's bodies, codes and policies; an aggregate's zone is its hosts'."""

import pytest

from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
PATH = '/v2.1/os-aggregates'


def _heartbeat(db, host, binary='cepheid-compute'):
    with db.transaction() as session:
        db_services.heartbeat(session, host=host, binary=binary, topic='compute')


def _create(api, name='agg1', zone=None, **kwargs):
    body = {'name': name}
    if zone is not None:
        body['availability_zone'] = zone
    return api.post(PATH, {'aggregate': body}, token=ADMIN, **kwargs)


def _act(api, agg_id, name, body, **kwargs):
    return api.post(f'{PATH}/{agg_id}/action', {name: body}, token=ADMIN, **kwargs)


@pytest.fixture
def computes(db):
    for host in ('compute1', 'compute2'):
        _heartbeat(db, host)
    _heartbeat(db, 'api1', binary='cepheid-api')


def test_create_show_list_delete(api):
    resp = _create(api, zone='az1')
    assert resp.status_code == 200
    agg = resp.get_json()['aggregate']
    # Nova's create view: no hosts, no metadata, no uuid before 2.41.
    assert sorted(agg) == ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id',
                           'name', 'updated_at']
    assert (agg['name'], agg['availability_zone'], agg['deleted']) == ('agg1', 'az1', False)
    shown = api.get(f"{PATH}/{agg['id']}", token=ADMIN).get_json()['aggregate']
    assert shown['hosts'] == [] and shown['metadata'] == {'availability_zone': 'az1'}
    listed = api.get(PATH, token=ADMIN).get_json()['aggregates']
    assert [(a['id'], a['availability_zone']) for a in listed] == [(agg['id'], 'az1')]
    resp = api.delete(f"{PATH}/{agg['id']}", token=ADMIN)
    assert resp.status_code == 200 and resp.data == b''
    assert api.get(PATH, token=ADMIN).get_json() == {'aggregates': []}
    assert fault(api.get(f"{PATH}/{agg['id']}", token=ADMIN)) == (
        'itemNotFound', 404, f"Aggregate {agg['id']} could not be found.")


def test_uuid_from_2_41(api):
    agg = _create(api, version='2.41').get_json()['aggregate']
    assert len(agg['uuid']) == 36
    shown = api.get(f"{PATH}/{agg['id']}", token=ADMIN, version='2.40').get_json()
    assert 'uuid' not in shown['aggregate']


@pytest.mark.parametrize('body', [{'name': ''}, {'name': 'x' * 256},
                                  {'name': 'a', 'availability_zone': 'x' * 256},
                                  {'name': 'a', 'availability_zone': 'a:b'},
                                  {'name': 'a', 'extra': 1}])
def test_create_bad_bodies_are_400(api, body):
    assert api.post(PATH, {'aggregate': body}, token=ADMIN).status_code == 400


def test_duplicate_names_conflict(api):
    _create(api)
    assert fault(_create(api)) == ('conflictingRequest', 409, 'Aggregate agg1 already exists.')
    other = _create(api, 'agg2').get_json()['aggregate']
    resp = api.request('PUT', f"{PATH}/{other['id']}", {'aggregate': {'name': 'agg1'}},
                       token=ADMIN)
    assert resp.status_code == 409


def test_update_name_and_zone(api):
    agg = _create(api, zone='az1').get_json()['aggregate']
    resp = api.request('PUT', f"{PATH}/{agg['id']}",
                       {'aggregate': {'name': 'renamed', 'availability_zone': 'az2'}},
                       token=ADMIN)
    assert resp.status_code == 200
    body = resp.get_json()['aggregate']
    assert (body['name'], body['availability_zone']) == ('renamed', 'az2')
    assert body['updated_at'] is not None
    assert api.request('PUT', f"{PATH}/{agg['id']}", {'aggregate': {}},
                       token=ADMIN).status_code == 400
    assert api.request('PUT', f'{PATH}/999', {'aggregate': {'name': 'x'}},
                       token=ADMIN).status_code == 404
    assert api.get(f'{PATH}/abc', token=ADMIN).status_code == 400


def test_add_and_remove_hosts(api, computes):
    agg_id = _create(api).get_json()['aggregate']['id']
    resp = _act(api, agg_id, 'add_host', {'host': 'compute1'})
    assert resp.status_code == 200
    assert resp.get_json()['aggregate']['hosts'] == ['compute1']
    assert fault(_act(api, agg_id, 'add_host', {'host': 'compute1'})) == (
        'conflictingRequest', 409, f'Aggregate {agg_id} already has host compute1.')
    assert fault(_act(api, agg_id, 'add_host', {'host': 'nowhere'})) == (
        'itemNotFound', 404, 'Compute host nowhere could not be found.')
    # Not a compute: the api service's host is no compute host.
    assert _act(api, agg_id, 'add_host', {'host': 'api1'}).status_code == 404
    assert _act(api, 999, 'add_host', {'host': 'compute1'}).status_code == 404
    # A non-empty aggregate cannot be deleted.
    assert api.delete(f'{PATH}/{agg_id}', token=ADMIN).status_code == 400
    assert fault(_act(api, agg_id, 'remove_host', {'host': 'compute2'})) == (
        'itemNotFound', 404, f'Aggregate {agg_id} has no host compute2.')
    resp = _act(api, agg_id, 'remove_host', {'host': 'compute1'})
    assert resp.status_code == 200 and resp.get_json()['aggregate']['hosts'] == []
    assert _act(api, agg_id, 'no_such', {}).status_code == 400


def test_set_metadata_merges_and_null_deletes(api):
    agg_id = _create(api).get_json()['aggregate']['id']
    body = _act(api, agg_id, 'set_metadata', {'metadata': {'a': '1', 'b': '2'}}).get_json()
    assert body['aggregate']['metadata'] == {'a': '1', 'b': '2'}
    body = _act(api, agg_id, 'set_metadata', {'metadata': {'a': None, 'c': '3'}}).get_json()
    assert body['aggregate']['metadata'] == {'b': '2', 'c': '3'}
    assert _act(api, agg_id, 'set_metadata', {'metadata': {'a' * 256: 'x'}}).status_code == 400
    assert _act(api, agg_id, 'set_metadata',
                {'metadata': {'availability_zone': None}}).status_code == 400


def test_the_zone_of_an_aggregate_is_its_hosts_zone(api, computes):
    agg_id = _create(api, zone='az1').get_json()['aggregate']['id']
    _act(api, agg_id, 'add_host', {'host': 'compute1'})
    zones = api.get('/v2.1/os-availability-zone/detail', token=ADMIN).get_json()
    hosts = {z['zoneName']: sorted(z['hosts'] or {}) for z in zones['availabilityZoneInfo']}
    assert hosts == {'az1': ['compute1'], 'nova': ['compute2'], 'internal': ['api1']}
    services = api.get('/v2.1/os-services', token=ADMIN).get_json()['services']
    assert {s['host']: s['zone'] for s in services} == {
        'compute1': 'az1', 'compute2': 'nova', 'api1': 'internal'}
    # A host is in one zone: another zoned aggregate cannot take it (409 for add_host).
    other = _create(api, 'agg2', zone='az2').get_json()['aggregate']['id']
    name, code, message = fault(_act(api, other, 'add_host', {'host': 'compute1'}))
    assert (name, code) == ('conflictingRequest', 409)
    assert "already in availability zone(s) ['az1']" in message
    # ... nor can its zone change to one that puts a host in two zones.
    plain = _create(api, 'agg3').get_json()['aggregate']['id']
    _act(api, plain, 'add_host', {'host': 'compute1'})
    assert _act(api, plain, 'set_metadata',
                {'metadata': {'availability_zone': 'az3'}}).status_code == 400


def test_the_zone_of_hosts_with_instances_cannot_change(api, db, computes):
    agg_id = _create(api, zone='az1').get_json()['aggregate']['id']
    _act(api, agg_id, 'add_host', {'host': 'compute1'})
    fakes.make_instance(db, host='compute1')
    resp = api.request('PUT', f'{PATH}/{agg_id}', {'aggregate': {'availability_zone': 'az9'}},
                       token=ADMIN)
    assert fault(resp)[1:] == (400, "Cannot perform action 'update_aggregate' on aggregate "
                               f'{agg_id}. Reason: One or more hosts contain instances in '
                               'this zone.')


@pytest.mark.parametrize('method,path,body', [
    ('GET', PATH, None), ('POST', PATH, {'aggregate': {'name': 'x'}}),
    ('GET', PATH + '/1', None), ('PUT', PATH + '/1', {'aggregate': {'name': 'x'}}),
    ('DELETE', PATH + '/1', None),
    ('POST', PATH + '/1/action', {'add_host': {'host': 'compute1'}}),
    ('POST', PATH + '/1/action', {'remove_host': {'host': 'compute1'}}),
    ('POST', PATH + '/1/action', {'set_metadata': {'metadata': {}}}),
])
def test_members_are_refused(api, method, path, body):
    _create(api)
    resp = api.request(method, path, body)
    assert resp.status_code == 403
    assert 'os_compute_api:os-aggregates:' in fault(resp)[2]
