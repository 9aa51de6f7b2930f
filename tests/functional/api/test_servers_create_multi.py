"""POST /servers with min_count/max_count and return_reservation_id; the list filters
Tempest's list tests use (flavor, image, reservation_id, changes-since/-before, ip)."""

import datetime
import re

import pytest

from cepheid.api.db import instances as db_instances
from tests.functional.api import conftest
from tests.functional.api.conftest import fault


def _create(api, **server):
    body = {'server': {'name': 'web', 'flavorRef': '1', **server}}
    return api.post('/v2.1/servers', body, version='2.90')


def _names(api, query=''):
    resp = api.get(f'/v2.1/servers{query}')
    assert resp.status_code == 200, resp.get_json()
    return sorted(s['name'] for s in resp.get_json()['servers'])


def test_max_count_creates_servers_named_by_novas_template(api):
    resp = _create(api, min_count=2, max_count=3)
    assert resp.status_code == 202
    assert set(resp.get_json()['server']) == {
        'id', 'links', 'adminPass', 'OS-DCF:diskConfig', 'security_groups'}
    assert _names(api) == ['web-1', 'web-2', 'web-3']


def test_servers_of_one_request_share_a_reservation_id_shown_to_admins_from_2_3(api):
    resp = _create(api, min_count='2', return_reservation_id=True)
    assert resp.status_code == 202
    reservation_id = resp.get_json()['reservation_id']
    assert re.fullmatch(r'r-[a-z0-9]{8}', reservation_id)
    assert set(resp.get_json()) == {'reservation_id'}
    servers = api.get(f'/v2.1/servers/detail?reservation_id={reservation_id}',
                      token=conftest.ADMIN, version='2.3')
    servers = servers.get_json()['servers']
    assert servers == []    # an admin lists its own project without all_tenants
    servers = api.get('/v2.1/servers/detail?all_tenants=1&reservation_id=' + reservation_id,
                      token=conftest.ADMIN, version='2.3').get_json()['servers']
    assert sorted((s['OS-EXT-SRV-ATTR:reservation_id'], s['OS-EXT-SRV-ATTR:launch_index'],
                   s['name']) for s in servers) == [
        (reservation_id, 0, 'web-1'), (reservation_id, 1, 'web-2')]
    member = api.get(f"/v2.1/servers/{servers[0]['id']}", version='2.3').get_json()
    assert 'OS-EXT-SRV-ATTR:reservation_id' not in member['server']


def test_a_single_server_keeps_its_name(api):
    assert _create(api, max_count=1).status_code == 202
    assert _names(api) == ['web']


@pytest.mark.parametrize('server,message', [
    ({'min_count': 3, 'max_count': 2}, 'min_count must be <= max_count'),
    ({'min_count': 0}, None),
    ({'max_count': 0}, None),
    ({'min_count': 2.5}, None),
    ({'max_count': '2.5'}, None),
    ({'return_reservation_id': 'perhaps'}, None),
    ({'max_count': 2, 'hostname': 'one-host'},
     'Unable to allocate a single hostname to multiple instances'),
])
def test_bad_counts_are_400(api, compute_api, server, message):
    resp = _create(api, **server)
    assert resp.status_code == 400
    name, code, text = fault(resp)
    assert (name, code) == ('badRequest', 400)
    if message:
        assert text == message
    assert compute_api.calls == []


def test_flavor_image_and_ip_filters(api):
    _create(api, name='small', imageRef='img-a')
    _create(api, name='big', flavorRef='2', imageRef='img-b')
    assert _names(api, '?flavor=2') == ['big']
    assert _names(api, '?flavor=non_existing_flavor') == []
    assert _names(api, '?image=img-a') == ['small']
    assert _names(api, '?image=non_existing_image') == []
    # No network service: no server has an address, so an ip filter matches none.
    assert _names(api, '?ip=10.0.0.1') == []
    assert _names(api, '?ip6=fd00::1') == []


def test_changes_since_and_before(api, db):
    old = _create(api, name='old').get_json()['server']['id']
    _create(api, name='new')
    with db.transaction() as session:
        session.execute(db_instances._TABLE.update()
                        .where(db_instances._TABLE.c.uuid == old)
                        .values(updated_at=datetime.datetime(2020, 1, 1)))
    assert _names(api, '?changes-since=2051-01-01T12:34:00Z&status=ACTIVE') == []
    assert _names(api, '?changes-since=2021-01-01T00:00:00Z') == ['new']
    resp = api.get('/v2.1/servers?changes-before=2021-01-01T00:00:00Z', version='2.66')
    assert [s['name'] for s in resp.get_json()['servers']] == ['old']
    # Before 2.66 changes-before is not a filter.
    assert len(_names(api, '?changes-before=2021-01-01T00:00:00Z')) == 2


def test_changes_since_includes_deleted_servers(api):
    gone = _create(api, name='gone').get_json()['server']['id']
    assert api.delete(f'/v2.1/servers/{gone}').status_code == 204
    assert _names(api) == []
    servers = api.get('/v2.1/servers/detail?changes-since=2000-01-01T00:00:00Z')
    servers = servers.get_json()['servers']
    assert [(s['id'], s['status']) for s in servers] == [(gone, 'DELETED')]


@pytest.mark.parametrize('query,version', [
    ('changes-since=2011/01/01', None),
    ('changes-before=yesterday', '2.66'),
    ('changes-since=2021-01-02T00:00:00Z&changes-before=2021-01-01T00:00:00Z', '2.66'),
])
def test_bad_change_times_are_400(api, query, version):
    resp = api.get(f'/v2.1/servers?{query}', version=version)
    assert resp.status_code == 400
    assert fault(resp)[:2] == ('badRequest', 400)


@pytest.mark.parametrize('networks,message', [
    ([{'fixed_ip': '10.0.1.1', 'uuid': 'a-b-c-d-e-f-g-h-i-j'}],
     'Bad networks format: network uuid is not in proper format (a-b-c-d-e-f-g-h-i-j)'),
    ([{'fixed_ip': '10.0.1.1'}], 'Bad network format: missing uuid'),
    ([{'port': 'not-a-uuid'}], None),
    ([{'uuid': '6b8b4f5e-2a3c-4d1e-9f0a-1b2c3d4e5f60', 'fixed_ip': '10.0.1.300'}], None),
    ('everything', None),
])
def test_malformed_networks_are_400_as_in_nova(api, compute_api, networks, message):
    resp = _create(api, networks=networks)
    assert resp.status_code == 400
    if message:
        assert fault(resp) == ('badRequest', 400, message)
    assert compute_api.calls == []


@pytest.mark.parametrize('networks', [
    'auto', 'none', [{'uuid': '6b8b4f5e-2a3c-4d1e-9f0a-1b2c3d4e5f60', 'fixed_ip': '10.0.1.3'}],
    [{'port': '6b8b4f5e-2a3c-4d1e-9f0a-1b2c3d4e5f60'}]])
def test_well_formed_networks_are_accepted(api, networks):
    assert _create(api, networks=networks).status_code == 202


def test_max_count_is_capped_and_a_min_count_above_the_cap_is_403(api, compute_api):
    assert _create(api, max_count='0000092853945').status_code == 202
    assert len(_names(api)) == 10
    resp = _create(api, min_count=11)
    assert fault(resp) == ('forbidden', 403, 'Cannot create 11 servers in one request: at '
                           'most 10 ([api] max_servers_per_create).')
