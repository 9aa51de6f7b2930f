"""GET /limits: the project's quotas, real usage, Nova's microversion shapes and policies."""

from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

BASE_KEYS = {'maxServerMeta', 'maxTotalInstances', 'maxTotalCores', 'maxTotalRAMSize',
             'maxTotalKeypairs', 'maxServerGroups', 'maxServerGroupMembers',
             'totalInstancesUsed', 'totalCoresUsed', 'totalRAMUsed', 'totalServerGroupsUsed'}
NETWORK_KEYS = {'maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps',
                'totalFloatingIpsUsed', 'totalSecurityGroupsUsed'}


def _absolute(api, version, query='', token=conftest.MEMBER):
    resp = api.get(f'/v2.1/limits{query}', version=version, token=token)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()['limits']
    assert body['rate'] == []
    return body['absolute']


DEFAULT_MAX = {'maxServerMeta': 128, 'maxTotalInstances': 10, 'maxTotalCores': 20,
               'maxTotalRAMSize': 51200, 'maxTotalKeypairs': 100, 'maxServerGroups': 10,
               'maxServerGroupMembers': 10, 'maxImageMeta': 128, 'maxPersonality': 5,
               'maxPersonalitySize': 10240, 'maxSecurityGroups': -1,
               'maxSecurityGroupRules': -1, 'maxTotalFloatingIps': -1}


def test_limits_are_the_quotas_and_usage_counts_the_projects_servers(api, db):
    fakes.make_instance(db, vcpus=2, memory_mb=2048)
    fakes.make_instance(db, vcpus=1, memory_mb=512)
    fakes.make_instance(db, project_id='alt-project', vcpus=8, memory_mb=8192)
    absolute = _absolute(api, '2.1')
    assert set(absolute) == BASE_KEYS | NETWORK_KEYS | {
        'maxImageMeta', 'maxPersonality', 'maxPersonalitySize'}
    assert {k: v for k, v in absolute.items() if k.startswith('max')} == DEFAULT_MAX
    assert (absolute['totalInstancesUsed'], absolute['totalCoresUsed'],
            absolute['totalRAMUsed']) == (2, 3, 2560)
    assert absolute['totalServerGroupsUsed'] == absolute['totalFloatingIpsUsed'] == 0


def test_microversions_drop_network_image_and_personality_limits(api):
    assert set(_absolute(api, '2.36')) == BASE_KEYS | {
        'maxImageMeta', 'maxPersonality', 'maxPersonalitySize'}
    assert set(_absolute(api, '2.39')) == BASE_KEYS | {'maxPersonality', 'maxPersonalitySize'}
    assert set(_absolute(api, '2.57')) == BASE_KEYS


def test_another_projects_limits_need_admin(api, db):
    fakes.make_instance(db, project_id='alt-project')
    assert fault(api.get('/v2.1/limits?tenant_id=alt-project')) == (
        'forbidden', 403,
        "Policy doesn't allow os_compute_api:limits:other_project to be performed.")
    own = _absolute(api, '2.1', '?tenant_id=demo-project')
    assert own['totalInstancesUsed'] == 0
    alt = _absolute(api, '2.1', '?tenant_id=alt-project', token=conftest.ADMIN)
    assert alt['totalInstancesUsed'] == 1


def test_unknown_query_parameters_are_refused_from_2_75(api):
    assert api.get('/v2.1/limits?bogus=1', version='2.74').status_code == 200
    assert fault(api.get('/v2.1/limits?bogus=1', version='2.75'))[:2] == ('badRequest', 400)


def test_limits_follow_the_quota_sets(api):
    resp = api.request('PUT', '/v2.1/os-quota-sets/demo-project',
                       {'quota_set': {'instances': 3, 'cores': -1}}, token=conftest.ADMIN)
    assert resp.status_code == 200, resp.get_json()
    absolute = _absolute(api, '2.57')
    assert (absolute['maxTotalInstances'], absolute['maxTotalCores']) == (3, -1)
    assert api.post('/v2.1/os-server-groups', {'server_group': {
        'name': 'g', 'policies': ['affinity']}}).status_code == 200
    assert _absolute(api, '2.57')['totalServerGroupsUsed'] == 1
