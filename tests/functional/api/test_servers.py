"""Servers: create, list (filters, paging), show per microversion, delete."""

import datetime
import hashlib

import pytest

from cepheid.api.db import actions as db_actions
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

BASE_KEYS = {
    'id', 'name', 'status', 'tenant_id', 'user_id', 'hostId', 'links', 'created', 'updated',
    'flavor', 'image', 'metadata', 'addresses', 'accessIPv4', 'accessIPv6', 'config_drive',
    'key_name', 'progress', 'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone',
    'OS-EXT-STS:vm_state', 'OS-EXT-STS:task_state', 'OS-EXT-STS:power_state',
    'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at',
    'os-extended-volumes:volumes_attached', 'security_groups',
}
ADMIN_KEYS = {'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname',
              'OS-EXT-SRV-ATTR:instance_name'}


def _create(api, server=None, **kwargs):
    body = {'server': {'name': 'web', 'flavorRef': '1', **(server or {})}}
    return api.post('/v2.1/servers', body, **kwargs)


def test_create_is_202_with_novas_body(api, compute_api):
    resp = _create(api, {'imageRef': 'cirros', 'metadata': {'role': 'web'}})
    assert resp.status_code == 202
    server = resp.get_json()['server']
    assert set(server) == {'id', 'links', 'adminPass', 'OS-DCF:diskConfig', 'security_groups'}
    assert server['security_groups'] == [{'name': 'default'}]
    assert len(server['adminPass']) == 12
    assert resp.headers['Location'].endswith(f"/v2.1/servers/{server['id']}")
    assert compute_api.calls == [('create', 'web', {
        'flavor': '1', 'image_ref': 'cirros', 'host': None, 'description': None,
        'metadata': {'role': 'web'}, 'zone': None})]


def test_create_accepts_a_flavor_url_and_records_the_zone(api, compute_api):
    resp = _create(api, {'flavorRef': 'http://x/v2.1/flavors/2', 'availability_zone': 'az1'})
    assert resp.status_code == 202
    assert compute_api.calls[0][2]['flavor'] == '2'
    assert compute_api.calls[0][2]['zone'] == 'az1'


def test_create_forced_host_needs_admin(api, compute_api):
    assert _create(api, {'availability_zone': 'nova:compute2'}).status_code == 403
    resp = _create(api, {'availability_zone': 'nova:compute2'}, token=conftest.ADMIN)
    assert resp.status_code == 202
    assert compute_api.calls[0][2]['host'] == 'compute2'


def test_create_unknown_flavor_is_400(api):
    resp = _create(api, {'flavorRef': '42'})
    assert fault(resp) == ('badRequest', 400, 'Flavor 42 could not be found.')


@pytest.mark.parametrize('server,message', [
    ({'name': ''}, 'Invalid input for field/attribute name.'),
    ({'metadata': {'k': 1}}, 'Invalid input for field/attribute k.'),
    ({'bogus': 1}, 'Additional properties are not allowed'),
    ({'description': 'd'}, 'Additional properties are not allowed'),
])
def test_create_invalid_body_is_400(api, server, message):
    resp = _create(api, server)
    assert fault(resp)[:2] == ('badRequest', 400)
    assert message in fault(resp)[2]


def test_create_description_from_219(api, compute_api):
    resp = _create(api, {'description': 'front end'}, version='2.19')
    assert resp.status_code == 202
    assert compute_api.calls[0][2]['description'] == 'front end'


def test_create_without_server_key_is_400(api):
    resp = api.post('/v2.1/servers', {'name': 'x'})
    assert fault(resp) == ('badRequest', 400, "'server' is a required property")


def test_created_server_is_listed_and_shown(api):
    server_id = _create(api).get_json()['server']['id']
    listed = api.get('/v2.1/servers').get_json()
    assert [s['id'] for s in listed['servers']] == [server_id]
    assert set(listed['servers'][0]) == {'id', 'name', 'links'}
    shown = api.get(f'/v2.1/servers/{server_id}').get_json()['server']
    assert shown['name'] == 'web'
    assert shown['status'] == 'ACTIVE'


def test_show_keys_at_21_for_a_member(api, instance):
    server = api.get(f"/v2.1/servers/{instance['uuid']}").get_json()['server']
    assert set(server) == BASE_KEYS
    assert server['flavor'] == {'id': '1', 'links': [
        {'rel': 'bookmark', 'href': 'http://localhost/flavors/1'}]}
    assert server['image'] == ''
    assert server['hostId'] == hashlib.sha224(b'demo-projectcompute1').hexdigest()
    assert server['OS-EXT-STS:power_state'] == 1


def test_show_keys_at_latest_for_a_member(api, instance):
    server = api.get(f"/v2.1/servers/{instance['uuid']}",
                     version=conftest.LATEST).get_json()['server']
    extra = {'locked', 'description', 'tags', 'trusted_image_certificates', 'server_groups',
             'locked_reason', 'OS-EXT-SRV-ATTR:hostname'}
    assert set(server) == BASE_KEYS | extra
    assert server['flavor'] == {'original_name': 'm1.tiny', 'vcpus': 1, 'ram': 512,
                                'disk': 1, 'ephemeral': 0, 'swap': 0, 'extra_specs': {}}
    assert server['locked'] is False


def test_admin_sees_host_attributes_and_host_status(api, instance):
    server = api.get(f"/v2.1/servers/{instance['uuid']}", token=conftest.ADMIN,
                     version='2.16').get_json()['server']
    assert ADMIN_KEYS <= set(server)
    assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
    assert server['OS-EXT-SRV-ATTR:instance_name'] == f"instance-{instance['id']:08x}"
    assert server['OS-EXT-SRV-ATTR:reservation_id'].startswith('r-')
    assert server['host_status'] == 'UNKNOWN'


def test_member_sees_no_host_attributes(api, instance):
    server = api.get(f"/v2.1/servers/{instance['uuid']}", version='2.89').get_json()['server']
    assert not {k for k in server if k.startswith('OS-EXT-SRV-ATTR')}
    assert 'host_status' not in server


def test_times_are_written_like_nova(api, db):
    when = datetime.datetime(2013, 9, 23, 13, 53, 12)
    inst = fakes.make_instance(db, created_at=when, launched_at=when)
    server = api.get(f"/v2.1/servers/{inst['uuid']}").get_json()['server']
    assert server['created'] == '2013-09-23T13:53:12Z'
    assert server['OS-SRV-USG:launched_at'] == '2013-09-23T13:53:12.000000'


def test_error_server_shows_its_latest_fault(api, db):
    inst = fakes.make_instance(db, vm_state='error')
    with db.transaction() as session:
        db_actions.fault_create(session, instance_uuid=inst['uuid'], code=500,
                                message='old', details='tb')
        db_actions.fault_create(session, instance_uuid=inst['uuid'], code=500,
                                message='boom', details='Traceback...')
    server = api.get(f"/v2.1/servers/{inst['uuid']}").get_json()['server']
    assert server['status'] == 'ERROR'
    assert 'progress' not in server
    assert server['fault']['message'] == 'boom'
    assert 'details' not in server['fault']
    admin_view = api.get(f"/v2.1/servers/{inst['uuid']}", token=conftest.ADMIN).get_json()
    assert admin_view['server']['fault']['details'] == 'Traceback...'
    detail = api.get('/v2.1/servers/detail').get_json()['servers']
    assert detail[0]['fault']['message'] == 'boom'


def test_rebooting_server_status(api, db):
    inst = fakes.make_instance(db, task_state='reboot_pending_hard')
    server = api.get(f"/v2.1/servers/{inst['uuid']}").get_json()['server']
    assert server['status'] == 'HARD_REBOOT'


def test_show_non_uuid_is_404(api):
    assert fault(api.get('/v2.1/servers/not-a-uuid'))[:2] == ('itemNotFound', 404)


def test_show_another_projects_server_is_404(api, instance):
    resp = api.get(f"/v2.1/servers/{instance['uuid']}", token=conftest.OTHER)
    assert fault(resp) == ('itemNotFound', 404,
                           f"Instance {instance['uuid']} could not be found.")


def test_list_shows_only_own_project_unless_admin_asks_all_tenants(api, db, instance):
    fakes.make_instance(db, project_id='alt-project')
    assert len(api.get('/v2.1/servers').get_json()['servers']) == 1
    assert len(api.get('/v2.1/servers', token=conftest.ADMIN).get_json()['servers']) == 0
    everyone = api.get('/v2.1/servers?all_tenants=1', token=conftest.ADMIN).get_json()
    assert len(everyone['servers']) == 2
    one = api.get('/v2.1/servers/detail?all_tenants&project_id=alt-project',
                  token=conftest.ADMIN).get_json()
    assert [s['tenant_id'] for s in one['servers']] == ['alt-project']


def test_list_all_tenants_by_member_is_403(api):
    resp = api.get('/v2.1/servers?all_tenants=true')
    assert fault(resp)[:2] == ('forbidden', 403)
    assert fault(api.get('/v2.1/servers?all_tenants=maybe'))[:2] == ('badRequest', 400)


def test_list_filters_by_name_regex_and_status(api, db):
    fakes.make_instance(db, display_name='web-1')
    fakes.make_instance(db, display_name='db-1', vm_state='stopped')
    names = [s['name'] for s in api.get('/v2.1/servers?name=^web').get_json()['servers']]
    assert names == ['web-1']
    stopped = api.get('/v2.1/servers/detail?status=SHUTOFF').get_json()['servers']
    assert [s['name'] for s in stopped] == ['db-1']
    assert api.get('/v2.1/servers?status=BOGUS').get_json() == {'servers': []}
    resp = api.get('/v2.1/servers?status=BOGUS', version='2.38')
    assert fault(resp) == ('badRequest', 400, 'Invalid status value')
    assert fault(api.get('/v2.1/servers?name=[')) [:2] == ('badRequest', 400)


def test_host_filter_is_ignored_for_members_and_used_for_admins(api, db):
    fakes.make_instance(db, host='compute1')
    fakes.make_instance(db, host='compute2')
    assert len(api.get('/v2.1/servers?host=compute2').get_json()['servers']) == 2
    admin = api.get('/v2.1/servers?host=compute2&all_tenants=1', token=conftest.ADMIN)
    assert len(admin.get_json()['servers']) == 1


def test_list_paging_with_limit_marker_and_next_link(api, db):
    base = datetime.datetime(2024, 1, 1)
    ids = [fakes.make_instance(db, created_at=base + datetime.timedelta(minutes=i))['uuid']
           for i in range(3)]
    page = api.get('/v2.1/servers?limit=2').get_json()
    assert [s['id'] for s in page['servers']] == [ids[2], ids[1]]
    next_href = page['servers_links'][0]['href']
    assert page['servers_links'][0]['rel'] == 'next'
    assert f'marker={ids[1]}' in next_href and 'limit=2' in next_href
    rest = api.get(next_href.replace('http://localhost', '')).get_json()
    assert [s['id'] for s in rest['servers']] == [ids[0]]
    assert 'servers_links' not in rest


def test_list_bad_limit_and_marker_are_400(api):
    assert fault(api.get('/v2.1/servers?limit=-1'))[:2] == ('badRequest', 400)
    assert fault(api.get('/v2.1/servers?limit=abc'))[:2] == ('badRequest', 400)
    resp = api.get('/v2.1/servers?marker=2b7c0d8e-7d2f-4a43-9a63-0c4f1f0e3f11')
    assert fault(resp)[:2] == ('badRequest', 400)


def test_delete_is_204_and_server_is_gone(api, compute_api, instance):
    resp = api.delete(f"/v2.1/servers/{instance['uuid']}")
    assert resp.status_code == 204
    assert resp.data == b''
    assert compute_api.calls == [('delete', instance['uuid'])]
    assert api.get(f"/v2.1/servers/{instance['uuid']}").status_code == 404


def test_delete_another_projects_server_is_404(api, compute_api, instance):
    assert api.delete(f"/v2.1/servers/{instance['uuid']}",
                      token=conftest.OTHER).status_code == 404
    assert compute_api.calls == []


def test_delete_locked_server_is_409(api, db):
    inst = fakes.make_instance(db, locked=True, locked_by='admin')
    resp = api.delete(f"/v2.1/servers/{inst['uuid']}")
    assert fault(resp) == ('conflictingRequest', 409, f"Instance {inst['uuid']} is locked")
