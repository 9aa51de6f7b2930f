"""os-resetState, injectNetworkInfo, migrate, and deferred delete (soft delete, restore,
forceDelete, the periodic reclaim) on the real stack: api + compute over fake://, SQLite."""

import datetime
import uuid

import pytest
import sqlalchemy as sa

from cepheid.api import reclaim
from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.api.db import services as db_services
from cepheid.api.db import store as db_store
from cepheid.common import states
from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

RECLAIM = 3600    # long: the tests run the reclaim themselves, except the periodic one
MISSING = str(uuid.uuid4())
COMPUTE = db_store.COMPUTE_BINARY


@pytest.fixture(scope='module')
def one_host(tmp_path_factory):
    running = power_stack.start('fake', tmp_path_factory.mktemp('fake'),
                                reclaim_instance_interval=RECLAIM)
    yield running
    running.stop()


@pytest.fixture
def client1(one_host):
    return http.Client(one_host.endpoint)


@pytest.fixture
def vm(client1):
    status, body = client1.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert status == 202, body
    return wait_for_server(client1, body['server']['id'], idle)


def act(client, server_id, body, token=http.MEMBER):
    return client.post(f'/servers/{server_id}/action', body, token=token)


def status_of(client, server_id, token=http.MEMBER):
    status, body = client.get(f'/servers/{server_id}', token=token)
    return body['server']['status'] if status == 200 else status


def actions_of(client, server_id):
    listed = client.get(f'/servers/{server_id}/os-instance-actions')[1]['instanceActions']
    return [a['action'] for a in listed]


def bad_request(message):
    return 400, {'badRequest': {'code': 400, 'message': message}}


def conflict(message):
    return 409, {'conflictingRequest': {'code': 409, 'message': message}}


# -- a missing server is a 404 whatever the action, before its body is validated ----------
@pytest.mark.parametrize('body', [
    {'os-resetState': {'state': 'error'}}, {'os-resetState': {'state': 'bogus'}},
    {'injectNetworkInfo': None}, {'migrate': None}, {'migrate': {'host': 7}},
    {'forceDelete': None}, {'restore': None}, {'reboot': {'type': 'BOGUS'}},
])
def test_any_action_on_a_missing_server_is_404(client1, body):
    assert act(client1, MISSING, body, token=http.ADMIN) == (404, {'itemNotFound': {
        'code': 404, 'message': f'Instance {MISSING} could not be found.'}})


# -- os-resetState -----------------------------------------------------------------------
def test_reset_state_to_error_then_active_clears_the_task(client1, one_host, vm):
    uuid_ = vm['id']
    with one_host.db.transaction() as session:
        db_instances.update(session, uuid_, {'task_state': states.REBOOTING_HARD})
    assert act(client1, uuid_, {'os-resetState': {'state': 'error'}}, http.ADMIN) == (202, None)
    server = client1.get(f'/servers/{uuid_}')[1]['server']
    assert (server['status'], server['OS-EXT-STS:task_state']) == ('ERROR', None)
    status, body = client1.get('/servers?status=error')
    assert [s['id'] for s in body['servers']] == [uuid_]
    assert act(client1, uuid_, {'os-resetState': {'state': 'active'}}, http.ADMIN)[0] == 202
    assert status_of(client1, uuid_) == 'ACTIVE'
    assert actions_of(client1, uuid_)[:2] == ['reset_state', 'reset_state']


@pytest.mark.parametrize('state', ['invalid', 1, None])
def test_reset_state_to_an_unknown_state_is_400(client1, vm, state):
    status, body = act(client1, vm['id'], {'os-resetState': {'state': state}}, http.ADMIN)
    assert status == 400 and body['badRequest']['code'] == 400


def test_reset_state_is_admin_only(client1, vm):
    assert act(client1, vm['id'], {'os-resetState': {'state': 'error'}}) == (403, {
        'forbidden': {'code': 403, 'message': "Policy doesn't allow "
                      "os_compute_api:os-admin-actions:reset_state to be performed."}})


# -- injectNetworkInfo and migrate --------------------------------------------------------
def test_inject_network_info_is_202_for_admin_403_for_member(client1, vm):
    assert act(client1, vm['id'], {'injectNetworkInfo': None}, http.ADMIN) == (202, None)
    assert act(client1, vm['id'], {'injectNetworkInfo': None})[0] == 403


def test_migrate_with_no_other_host_is_novas_no_valid_host(client1, vm):
    message = 'No valid host was found. There are not enough hosts available.'
    assert act(client1, vm['id'], {'migrate': None}, http.ADMIN) == bad_request(message)
    server = client1.get(f'/servers/{vm["id"]}', token=http.ADMIN)[1]['server']
    assert (server['status'], server['OS-EXT-STS:task_state']) == ('ACTIVE', None)
    listed = client1.get(f'/servers/{vm["id"]}/os-instance-actions')[1]['instanceActions']
    assert (listed[0]['action'], listed[0]['message']) == ('migrate', 'Error')
    shown = client1.get(f"/servers/{vm['id']}/os-instance-actions/{listed[0]['request_id']}",
                        token=http.ADMIN)[1]['instanceAction']
    assert [(e['event'], e['result']) for e in shown['events']] == [
        ('conductor_migrate_server', 'Error')]


def test_migrate_refusals(client1, vm):
    uuid_ = vm['id']
    assert act(client1, uuid_, {'migrate': None})[0] == 403
    client = http.Client(client1.endpoint, microversion='2.56')
    assert act(client, uuid_, {'migrate': {'host': 'nowhere'}}, http.ADMIN) == bad_request(
        'Compute host nowhere could not be found.')
    assert act(client1, uuid_, {'suspend': None}) == (202, None)
    wait_for_server(client1, uuid_, lambda s: s['status'] == 'SUSPENDED')
    assert act(client1, uuid_, {'migrate': None}, http.ADMIN) == conflict(
        f"Cannot 'migrate' instance {uuid_} while it is in vm_state suspended")


def test_migrate_to_a_host_that_reported_no_capacity_is_no_valid_host(client1, one_host,
                                                                       vm):
    # A second compute heartbeats (its service row only): no capacity, no place.
    with one_host.db.transaction() as session:
        db_services.heartbeat(session, host='compute9', binary=COMPUTE, topic='compute')
    try:
        assert act(client1, vm['id'], {'migrate': None}, http.ADMIN) == bad_request(
            'No valid host was found. There are not enough hosts available.')
    finally:
        with one_host.db.transaction() as session:
            session.execute(sa.delete(models.Service).where(models.Service.host == 'compute9'))


# -- deferred delete ----------------------------------------------------------------------
def soft_deleted(client, server_id):
    return wait_for_server(client, server_id, lambda s: (
        s['status'] == 'SOFT_DELETED' and s['OS-EXT-STS:task_state'] is None))


def test_delete_soft_deletes_then_restore_brings_it_back(client1, one_host, vm):
    uuid_ = vm['id']
    assert client1.request('DELETE', f'/servers/{uuid_}') == (204, None)
    server = soft_deleted(client1, uuid_)
    assert server['OS-EXT-STS:vm_state'] == 'soft-delete'
    assert server['OS-EXT-STS:power_state'] == states.SHUTDOWN
    assert power_stack.guest_power_state(one_host, uuid_) == states.SHUTDOWN
    # hidden from the default list, listed by its status
    assert uuid_ not in [s['id'] for s in client1.get('/servers')[1]['servers']]
    assert [s['id'] for s in client1.get('/servers?status=SOFT_DELETED')[1]['servers']] == [
        uuid_]
    # a second DELETE changes nothing
    assert client1.request('DELETE', f'/servers/{uuid_}') == (204, None)
    assert act(client1, uuid_, {'restore': None}) == (202, None)
    wait_for_server(client1, uuid_, idle)
    assert power_stack.guest_power_state(one_host, uuid_) == states.RUNNING
    assert actions_of(client1, uuid_)[:2] == ['restore', 'delete']
    power_stack.wait_events(one_host, uuid_, 'instance.soft_delete.end',
                            'instance.restore.end')


def test_restore_of_a_server_not_soft_deleted_is_409(client1, vm):
    assert act(client1, vm['id'], {'restore': None}, http.ADMIN) == conflict(
        f"Cannot 'restore' instance {vm['id']} while it is in vm_state active")


def test_force_delete_of_a_soft_deleted_server_deletes_it(client1, vm):
    assert client1.request('DELETE', f'/servers/{vm["id"]}')[0] == 204
    soft_deleted(client1, vm['id'])
    assert act(client1, vm['id'], {'forceDelete': None}) == (202, None)
    power_stack.wait_until(lambda: status_of(client1, vm['id']) == 404)


def test_force_delete_of_a_locked_server_is_409_for_a_member(client1, vm):
    assert act(client1, vm['id'], {'lock': None}) == (202, None)
    assert act(client1, vm['id'], {'forceDelete': None}) == conflict(
        f"Instance {vm['id']} is locked")
    assert act(client1, vm['id'], {'forceDelete': None}, http.ADMIN) == (202, None)
    power_stack.wait_until(lambda: status_of(client1, vm['id']) == 404)


def test_another_project_may_not_restore_or_force_delete(client1, vm):
    for body in ({'restore': None}, {'forceDelete': None}):
        assert act(client1, vm['id'], body, token=http.OTHER)[0] == 404


def test_a_server_that_never_ran_is_deleted_at_once(client1, one_host):
    status, body = client1.post('/servers', {'server': {'name': 'x', 'flavorRef': '1'}})
    uuid_ = body['server']['id']
    with power_stack.Gate(power_stack.compute(one_host).driver, 'spawn') as gate:
        gate.wait_entered()
        assert client1.request('DELETE', f'/servers/{uuid_}')[0] == 204
    power_stack.wait_until(lambda: status_of(client1, uuid_) == 404)


def test_reclaim_deletes_servers_soft_deleted_longer_than_the_interval(client1, one_host, vm):
    other = client1.post('/servers', {'server': {'name': 'vm2', 'flavorRef': '1'}})[1]
    other = wait_for_server(client1, other['server']['id'], idle)
    for server_id in (vm['id'], other['id']):
        assert client1.request('DELETE', f'/servers/{server_id}')[0] == 204
        soft_deleted(client1, server_id)
    long_ago = datetime.datetime(2020, 1, 1)
    with one_host.db.transaction() as session:
        db_instances.update(session, vm['id'], {'deleted_at': long_ago})
    assert one_host.conductor.reclaimer.check_once() == [vm['id']]
    power_stack.wait_until(lambda: status_of(client1, vm['id']) == 404)
    assert status_of(client1, other['id']) == 'SOFT_DELETED'


def test_the_reclaim_runs_every_interval(client1, one_host, vm):
    one_host.conf.set_override('reclaim_instance_interval', 1)
    reclaimer = reclaim.Reclaimer(one_host.conf, one_host.db, one_host.services.compute_api)
    reclaimer.start()
    try:
        assert client1.request('DELETE', f"/servers/{vm['id']}")[0] == 204
        power_stack.wait_until(lambda: status_of(client1, vm['id']) == 404, timeout=15)
    finally:
        reclaimer.stop()
        one_host.conf.set_override('reclaim_instance_interval', RECLAIM)
