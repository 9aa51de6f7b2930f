"""os-hypervisors: list, detail, show, statistics, with_servers, paging, 2.53 ids, 2.88 trim."""

import pytest

from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
REPORT = {'vcpus': 8, 'memory_mb': 16384, 'local_gb': 100, 'hypervisor_type': 'fake',
          'hypervisor_version': 1000, 'running_vms': 1, 'cpu_allocation_ratio': 4.0,
          'ram_allocation_ratio': 1.0, 'disk_allocation_ratio': 1.0}
TRIMMED_AT_288 = {'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
                  'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'disk_available_least',
                  'current_workload', 'running_vms', 'cpu_info'}


@pytest.fixture
def hosts(db):
    """compute1 (enabled, one server claimed) and compute2 (disabled, empty)."""
    with db.transaction() as session:
        for host in ('compute1', 'compute2'):
            db_services.heartbeat(session, host=host, binary='cepheid-compute', topic='c')
            db_nodes.report(session, host=host, resources=dict(REPORT, hypervisor_hostname=host))
        db_services.service_update(session, 2, {'disabled': True, 'disabled_reason': 'drain'})
        assert db_nodes.claim(session, host='compute1', vcpus=1, memory_mb=512, disk_gb=1)
    return fakes.make_instance(db, host='compute1')


def _get(api, path, version):
    resp = api.get(f'/v2.1/os-hypervisors{path}', token=ADMIN, version=version)
    return resp.status_code, resp.get_json()


def test_list_with_integer_ids_before_253(api, hosts):
    status, body = _get(api, '', '2.52')
    assert status == 200
    assert body == {'hypervisors': [
        {'id': 1, 'hypervisor_hostname': 'compute1', 'state': 'up', 'status': 'enabled'},
        {'id': 2, 'hypervisor_hostname': 'compute2', 'state': 'up', 'status': 'disabled'}]}


def test_detail_before_288_has_capacity_and_claims(api, hosts):
    _, body = _get(api, '/detail', '2.27')
    first = body['hypervisors'][0]
    assert {k: first[k] for k in ('vcpus', 'vcpus_used', 'memory_mb', 'memory_mb_used',
                                  'free_ram_mb', 'local_gb', 'local_gb_used', 'free_disk_gb',
                                  'running_vms', 'current_workload', 'hypervisor_type',
                                  'cpu_info')} == {
        'vcpus': 8, 'vcpus_used': 1, 'memory_mb': 16384, 'memory_mb_used': 512,
        'free_ram_mb': 15872, 'local_gb': 100, 'local_gb_used': 1, 'free_disk_gb': 99,
        'running_vms': 1, 'current_workload': 0, 'hypervisor_type': 'fake', 'cpu_info': '{}'}
    assert first['service'] == {'host': 'compute1', 'id': 1, 'disabled_reason': None}
    assert body['hypervisors'][1]['service']['disabled_reason'] == 'drain'
    assert _get(api, '/detail', '2.28')[1]['hypervisors'][0]['cpu_info'] == {}


def test_253_uuid_ids_with_servers_and_pattern(api, hosts):
    _, body = _get(api, '?with_servers=true', '2.53')
    one, two = body['hypervisors']
    assert len(one['id']) == 36 and one['servers'] == [
        {'name': f"instance-{hosts['id']:08x}", 'uuid': hosts['uuid']}]
    assert 'servers' not in two       # before 2.75 only hosts with servers carry the key
    assert _get(api, '?with_servers=true', '2.75')[1]['hypervisors'][1]['servers'] == []
    _, body = _get(api, '/detail?hypervisor_hostname_pattern=compute2', '2.53')
    assert [h['hypervisor_hostname'] for h in body['hypervisors']] == ['compute2']
    assert len(body['hypervisors'][0]['service']['id']) == 36
    status, body = _get(api, '?hypervisor_hostname_pattern=compute&limit=1', '2.53')
    assert status == 400
    status, _ = _get(api, '?foo=1', '2.53')
    assert status == 400
    _, shown = _get(api, f"/{one['id']}?with_servers=1", '2.53')
    assert shown['hypervisor']['servers'][0]['uuid'] == hosts['uuid']


def test_paging_from_233(api, hosts):
    status, body = _get(api, '?limit=1', '2.33')
    assert status == 200 and [h['id'] for h in body['hypervisors']] == [1]
    assert body['hypervisors_links'][0]['rel'] == 'next'
    assert 'marker=1' in body['hypervisors_links'][0]['href']
    _, body = _get(api, '/detail?limit=1&marker=1', '2.33')
    assert [h['id'] for h in body['hypervisors']] == [2]
    status, body = _get(api, '?marker=99', '2.33')
    assert status == 400 and body['badRequest']['message'] == 'marker [99] not found'
    # Before 2.33 the parameters are ignored.
    assert len(_get(api, '?limit=1', '2.32')[1]['hypervisors']) == 2


def test_288_trims_the_resource_fields_and_drops_statistics(api, hosts):
    uuid = _get(api, '', '2.88')[1]['hypervisors'][0]['id']
    _, before = _get(api, f'/{uuid}', '2.87')
    assert TRIMMED_AT_288 <= set(before['hypervisor'])
    assert 'uptime' not in before['hypervisor']
    _, after = _get(api, f'/{uuid}', '2.88')
    assert not TRIMMED_AT_288 & set(after['hypervisor'])
    assert set(after['hypervisor']) == {'id', 'hypervisor_hostname', 'state', 'status',
                                        'hypervisor_type', 'hypervisor_version', 'host_ip',
                                        'service', 'uptime'}
    assert after['hypervisor']['uptime'].startswith(' 16:05:11 up 3 days')
    _, detail = _get(api, '/detail', '2.88')
    assert not (TRIMMED_AT_288 | {'uptime'}) & set(detail['hypervisors'][0])
    assert _get(api, '/statistics', '2.88')[0] == 404


def test_statistics_sum_every_node(api, hosts):
    status, body = _get(api, '/statistics', '2.87')
    assert status == 200
    stats = body['hypervisor_statistics']
    assert (stats['count'], stats['vcpus'], stats['vcpus_used'], stats['memory_mb'],
            stats['memory_mb_used'], stats['free_ram_mb'], stats['running_vms']) == (
        2, 16, 1, 32768, 512, 32256, 2)


def test_show_unknown_and_bad_ids(api, hosts):
    assert fault(api.get('/v2.1/os-hypervisors/99', token=ADMIN, version='2.52')) == (
        'itemNotFound', 404, 'Hypervisor with ID 99 could not be found.')
    assert fault(api.get('/v2.1/os-hypervisors/1', token=ADMIN, version='2.53')) == (
        'badRequest', 400, 'Invalid uuid 1')


@pytest.mark.parametrize('path,rule', [('', 'list'), ('/detail', 'list-detail'),
                                       ('/statistics', 'statistics'), ('/1', 'show')])
def test_hypervisors_are_admin_only(api, hosts, path, rule):
    resp = api.get(f'/v2.1/os-hypervisors{path}', version='2.52')
    assert fault(resp) == ('forbidden', 403, "Policy doesn't allow "
                           f'os_compute_api:os-hypervisors:{rule} to be performed.')


def test_uptime_asks_the_compute_and_is_gone_at_288(api, hosts, compute_api):
    status, body = _get(api, '/1/uptime', '2.52')
    assert status == 200
    assert body == {'hypervisor': {
        'id': 1, 'hypervisor_hostname': 'compute1', 'state': 'up', 'status': 'enabled',
        'uptime': ' 16:05:11 up 3 days,  4:02,  0 users,  load average: 0.00, 0.00, 0.00'}}
    assert compute_api.calls[-1] == ('get_host_uptime', 'compute1')
    uuid = _get(api, '', '2.53')[1]['hypervisors'][1]['id']
    status, body = _get(api, f'/{uuid}/uptime', '2.87')
    assert status == 200 and body['hypervisor']['id'] == uuid
    assert _get(api, f'/{uuid}/uptime', '2.88')[0] == 404
    assert fault(api.get('/v2.1/os-hypervisors/99/uptime', token=ADMIN, version='2.52')) == (
        'itemNotFound', 404, 'Hypervisor with ID 99 could not be found.')


def test_uptime_of_a_down_compute_is_400(api, hosts, compute_api, db, conf):
    with db.transaction() as session:
        db_services.service_update(session, 1, {'forced_down': True})
    assert fault(api.get('/v2.1/os-hypervisors/1/uptime', token=ADMIN, version='2.52')) == (
        'badRequest', 400, 'Compute service of compute1 is unavailable at this time.')
    assert not compute_api.calls


def test_search_and_servers_by_hostname_pattern_before_253(api, hosts):
    status, body = _get(api, '/compute/search', '2.52')
    assert status == 200
    assert [h['hypervisor_hostname'] for h in body['hypervisors']] == ['compute1', 'compute2']
    assert all(set(h) == {'id', 'hypervisor_hostname', 'state', 'status'}
               for h in body['hypervisors'])
    status, body = _get(api, '/compute/servers', '2.1')
    one, two = body['hypervisors']
    assert one['servers'] == [{'name': f"instance-{hosts['id']:08x}", 'uuid': hosts['uuid']}]
    assert 'servers' not in two
    assert fault(api.get('/v2.1/os-hypervisors/nomatch/search', token=ADMIN,
                         version='2.52')) == (
        'itemNotFound', 404, "No hypervisor matching 'nomatch' could be found.")
    assert _get(api, '/nomatch/servers', '2.52')[0] == 404
    assert _get(api, '/compute/search', '2.53')[0] == 404
    assert _get(api, '/compute/servers', '2.53')[0] == 404


@pytest.mark.parametrize('path', ['/1/uptime', '/compute/search', '/compute/servers'])
def test_pre_253_routes_are_admin_only(api, hosts, path):
    resp = api.get(f'/v2.1/os-hypervisors{path}', version='2.52')
    assert fault(resp)[:2] == ('forbidden', 403)
