"""os-quota-sets (show, defaults, detail, update, delete; per user) and the quotas
enforced: instances/cores/ram at create, metadata_items, key_pairs."""

from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

QS = '/v2.1/os-quota-sets/demo-project'
DEFAULTS_257 = {'instances': 10, 'cores': 20, 'ram': 51200, 'metadata_items': 128,
                'key_pairs': 100, 'server_groups': 10, 'server_group_members': 10}
INJECTED = {'injected_files': 5, 'injected_file_content_bytes': 10240,
            'injected_file_path_bytes': 255}
NETWORK = {'floating_ips': -1, 'fixed_ips': -1, 'security_groups': -1,
           'security_group_rules': -1}


def _put(api, values, query='', **kwargs):
    kwargs.setdefault('token', conftest.ADMIN)
    return api.request('PUT', QS + query, {'quota_set': values}, **kwargs)


def test_show_and_defaults_in_each_microversions_shape(api):
    for version, expected in (('2.1', {**DEFAULTS_257, **INJECTED, **NETWORK}),
                              ('2.36', {**DEFAULTS_257, **INJECTED}),
                              ('2.57', DEFAULTS_257)):
        for path in (QS, QS + '/defaults'):
            resp = api.get(path, version=version)
            assert resp.status_code == 200, resp.get_json()
            assert resp.get_json()['quota_set'] == dict(expected, id='demo-project')


def test_update_shows_without_id_and_delete_reverts(api):
    resp = _put(api, {'instances': 5, 'ram': '1024'}, version='2.57')
    assert resp.status_code == 200
    assert resp.get_json()['quota_set'] == dict(DEFAULTS_257, instances=5, ram=1024)
    assert api.get(QS).get_json()['quota_set']['instances'] == 5
    assert api.get(QS + '/defaults').get_json()['quota_set']['instances'] == 10
    assert api.delete(QS, token=conftest.ADMIN).status_code == 202
    assert api.get(QS).get_json()['quota_set']['instances'] == 10


def test_members_may_read_not_write_and_not_other_projects(api):
    assert fault(_put(api, {'instances': 1}, token=conftest.MEMBER)) == (
        'forbidden', 403,
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")
    assert api.get('/v2.1/os-quota-sets/alt-project').status_code == 403
    assert api.get('/v2.1/os-quota-sets/alt-project/defaults').status_code == 200


def test_bad_values_are_400(api):
    for values in ({'instances': -2}, {'bogus': 1}, {'instances': 'x'}):
        assert fault(_put(api, values))[:2] == ('badRequest', 400), values
    assert fault(_put(api, {'floating_ips': 1}, version='2.36'))[:2] == ('badRequest', 400)


def test_detail_counts_usage_and_a_limit_below_it_needs_force(api, db):
    fakes.make_instance(db, vcpus=2, memory_mb=2048)
    fakes.make_instance(db, vcpus=2, memory_mb=2048)
    detail = api.get(QS + '/detail', version='2.57').get_json()['quota_set']
    assert detail['instances'] == {'limit': 10, 'in_use': 2, 'reserved': 0}
    assert detail['cores']['in_use'] == 4 and detail['ram']['in_use'] == 4096
    assert fault(_put(api, {'instances': 1})) == (
        'badRequest', 400, 'Quota limit 1 for instances must be greater than or equal to '
        'already used and reserved 2.')
    assert _put(api, {'instances': 1, 'force': True}).status_code == 200


def test_user_quotas_override_and_may_not_exceed_the_projects(api):
    assert _put(api, {'key_pairs': 1}, '?user_id=demo').status_code == 200
    assert api.get(QS + '?user_id=demo').get_json()['quota_set']['key_pairs'] == 1
    assert api.get(QS).get_json()['quota_set']['key_pairs'] == 100
    assert fault(_put(api, {'key_pairs': 101}, '?user_id=demo'))[:2] == ('badRequest', 400)
    assert api.post('/v2.1/os-keypairs', {'keypair': {'name': 'k1'}}).status_code == 200
    assert fault(api.post('/v2.1/os-keypairs', {'keypair': {'name': 'k2'}})) == (
        'forbidden', 403, 'Quota exceeded, too many key pairs.')
    assert api.delete(QS + '?user_id=demo', token=conftest.ADMIN).status_code == 202
    assert api.post('/v2.1/os-keypairs', {'keypair': {'name': 'k2'}}).status_code == 200


def _create(api, **server):
    body = {'server': {'name': 'web', 'flavorRef': '1', **server}}
    return api.post('/v2.1/servers', body)


def test_instances_quota_stops_a_create_and_caps_max_count(api):
    assert _put(api, {'instances': 3}).status_code == 200
    assert _create(api, min_count=1, max_count=5).status_code == 202
    assert len(api.get('/v2.1/servers').get_json()['servers']) == 3
    assert fault(_create(api)) == (
        'forbidden', 403,
        'Quota exceeded for instances: Requested 1, but already used 3 of 3 instances')


def test_cores_quota_is_per_flavor_size(api):
    flavor = api.get('/v2.1/flavors/1').get_json()['flavor']
    assert _put(api, {'cores': flavor['vcpus']}).status_code == 200
    assert _create(api).status_code == 202
    assert fault(_create(api))[:2] == ('forbidden', 403)


def test_metadata_items_quota_on_create_and_metadata_writes(api, instance):
    assert _put(api, {'metadata_items': 2}).status_code == 200
    three = {'a': '1', 'b': '2', 'c': '3'}
    assert fault(_create(api, metadata=three)) == (
        'forbidden', 403, 'Maximum number of metadata items exceeds 2')
    path = f"/v2.1/servers/{instance['uuid']}/metadata"
    assert fault(api.post(path, {'metadata': three})) == (
        'forbidden', 403, 'Maximum number of metadata items exceeds 2')
    assert api.request('PUT', path, {'metadata': {'a': '1', 'b': '2'}}).status_code == 200
