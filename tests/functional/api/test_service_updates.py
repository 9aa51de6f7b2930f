"""PUT /os-services (enable, disable, force down; legacy actions and 2.53) and DELETE."""

import pytest

from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN


def _heartbeat(db, host, binary='cepheid-compute'):
    with db.transaction() as session:
        return db_services.heartbeat(session, host=host, binary=binary, topic='compute')


def _row(db, host):
    with db.transaction() as session:
        return db_services.service_list(session, host=host)[0]


def _put(api, path, body, version, token=ADMIN):
    return api.request('PUT', f'/v2.1/os-services/{path}', body, token=token, version=version)


def _uuid(api, host):
    services = api.get(f'/v2.1/os-services?host={host}', token=ADMIN,
                       version='2.53').get_json()['services']
    return services[0]['id']


def test_legacy_disable_log_reason_then_enable(api, db):
    _heartbeat(db, 'compute1')
    body = {'host': 'compute1', 'binary': 'cepheid-compute', 'disabled_reason': 'drain'}
    resp = _put(api, 'disable-log-reason', body, '2.52')
    assert resp.status_code == 200
    assert resp.get_json() == {'service': dict(body, status='disabled')}
    assert (_row(db, 'compute1')['disabled'], _row(db, 'compute1')['disabled_reason']) == (
        True, 'drain')
    listed = api.get('/v2.1/os-services', token=ADMIN).get_json()['services'][0]
    assert (listed['status'], listed['disabled_reason']) == ('disabled', 'drain')
    resp = _put(api, 'enable', {'host': 'compute1', 'binary': 'cepheid-compute'}, '2.1')
    assert resp.get_json() == {'service': {'host': 'compute1', 'binary': 'cepheid-compute',
                                           'status': 'enabled'}}
    assert _row(db, 'compute1')['disabled'] is False
    assert _row(db, 'compute1')['disabled_reason'] is None


def test_legacy_disable_and_force_down(api, db):
    _heartbeat(db, 'compute1')
    host = {'host': 'compute1', 'binary': 'cepheid-compute'}
    assert _put(api, 'disable', host, '2.1').get_json() == {
        'service': dict(host, status='disabled')}
    # force-down arrived with 2.11.
    resp = _put(api, 'force-down', dict(host, forced_down=True), '2.10')
    assert fault(resp) == ('itemNotFound', 404, 'Unknown action')
    resp = _put(api, 'force-down', dict(host, forced_down=True), '2.11')
    assert resp.get_json() == {'service': dict(host, forced_down=True)}
    listed = api.get('/v2.1/os-services', token=ADMIN, version='2.11').get_json()
    assert (listed['services'][0]['state'], listed['services'][0]['forced_down']) == (
        'down', True)


@pytest.mark.parametrize('path,body,expected', [
    ('disable-log-reason', {'host': 'compute1', 'binary': 'cepheid-compute'},
     ('badRequest', 400, 'Missing disabled reason field')),
    ('disable', {'host': 'nowhere', 'binary': 'cepheid-compute'},
     ('itemNotFound', 404, 'Could not find binary cepheid-compute on host nowhere.')),
    ('disable', {'host': 'compute1', 'binary': 'cepheid-api'},
     ('badRequest', 400, 'Updating a cepheid-api service is not supported. Only '
                         'cepheid-compute services can be updated.')),
    ('reboot', {'host': 'compute1', 'binary': 'cepheid-compute'},
     ('itemNotFound', 404, 'Unknown action')),
])
def test_legacy_update_refusals(api, db, path, body, expected):
    _heartbeat(db, 'compute1')
    _heartbeat(db, 'compute1', binary='cepheid-api')
    assert fault(_put(api, path, body, '2.52')) == expected


def test_update_by_uuid_from_253(api, db):
    _heartbeat(db, 'compute1')
    service_id = _uuid(api, 'compute1')
    resp = _put(api, service_id, {'status': 'disabled', 'disabled_reason': 'maintenance'},
                '2.53')
    assert resp.status_code == 200
    service = resp.get_json()['service']
    assert (service['id'], service['status'], service['disabled_reason'],
            service['state'], service['forced_down']) == (
        service_id, 'disabled', 'maintenance', 'up', False)
    service = _put(api, service_id, {'forced_down': True}, '2.53').get_json()['service']
    assert (service['status'], service['state'], service['forced_down']) == (
        'disabled', 'down', True)
    service = _put(api, service_id, {'status': 'enabled', 'forced_down': False},
                   'latest').get_json()['service']
    assert (service['status'], service['disabled_reason'], service['state']) == (
        'enabled', None, 'up')


@pytest.mark.parametrize('body,message', [
    ({'status': 'enabled', 'disabled_reason': 'x'},
     "Specifying 'disabled_reason' with status 'enabled' is invalid."),
    ({}, "No updates were requested. Fields 'status' or 'forced_down' should be specified."),
])
def test_update_253_refusals(api, db, body, message):
    _heartbeat(db, 'compute1')
    assert fault(_put(api, _uuid(api, 'compute1'), body, '2.53')) == (
        'badRequest', 400, message)


def test_update_253_unknown_and_bad_ids(api, db):
    missing = '00000000-0000-0000-0000-000000000000'
    assert fault(_put(api, missing, {'status': 'enabled'}, '2.53')) == (
        'itemNotFound', 404, f'Service {missing} could not be found.')
    assert fault(_put(api, '1', {'status': 'enabled'}, '2.53')) == (
        'badRequest', 400, 'Invalid uuid 1')


def test_update_and_delete_are_admin_only(api, db):
    _heartbeat(db, 'compute1')
    resp = _put(api, 'disable', {'host': 'compute1', 'binary': 'cepheid-compute'}, '2.1',
                token=conftest.MEMBER)
    assert fault(resp) == ('forbidden', 403, "Policy doesn't allow "
                           'os_compute_api:os-services:update to be performed.')
    resp = api.delete('/v2.1/os-services/1', token=conftest.MEMBER)
    assert fault(resp) == ('forbidden', 403, "Policy doesn't allow "
                           'os_compute_api:os-services:delete to be performed.')


def test_delete_a_service_hosting_instances_is_409(api, db):
    _heartbeat(db, 'compute1')
    _heartbeat(db, 'compute2')
    fakes.make_instance(db, host='compute1')
    assert fault(api.delete('/v2.1/os-services/1', token=ADMIN)) == (
        'conflictingRequest', 409, 'Unable to delete compute service that is hosting '
        'instances. Migrate or delete the instances first.')
    assert api.delete('/v2.1/os-services/2', token=ADMIN).status_code == 204
    assert [s['host'] for s in api.get('/v2.1/os-services', token=ADMIN)
            .get_json()['services']] == ['compute1']
    assert fault(api.delete('/v2.1/os-services/2', token=ADMIN)) == (
        'itemNotFound', 404, 'Service 2 could not be found.')
