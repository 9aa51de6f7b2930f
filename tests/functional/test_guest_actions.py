"""Rebuild, rescue, trigger_crash_dump, changePassword and os-getConsoleOutput over REST,
end to end, on the fake and libvirt (test:///) drivers: codes and bodies, the task_state
then the end state, action events, notifications, refusals (409), locks, bad input (400).

Unrescue, a plain table entry, is covered by test_power_actions.py with the power actions.
"""

import pytest

from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import driver_contract
from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import wait_for_server
from tests.functional.test_power_actions import act
from tests.functional.test_power_actions import bring_to
from tests.functional.test_power_actions import conflict
from tests.functional.test_power_actions import in_order
from tests.functional.test_power_actions import set_db_state
from tests.functional.test_power_actions import settled

IMAGE_A, IMAGE_B = driver_contract.IMAGE_A, driver_contract.IMAGE_B
ALL_VM_STATES = (states.ACTIVE, states.BUILDING, states.STOPPED, states.PAUSED,
                 states.SUSPENDED, states.RESCUED, states.ERROR)


@pytest.fixture(scope='module', params=power_stack.DRIVERS)
def stack(request, tmp_path_factory):
    running = power_stack.start(request.param, tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()


@pytest.fixture
def server(client):
    """An ACTIVE server booted from IMAGE_A."""
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1',
                                                       'imageRef': IMAGE_A}})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], settled(states.ACTIVE))


def post(client, uuid, body, version=None, token=http.MEMBER):
    headers = {'OpenStack-API-Version': f'compute {version}'} if version else None
    return client.post(f'/servers/{uuid}/action', body, token=token, headers=headers)


def events_of_action(client, uuid, action):
    listed = client.get(f'/servers/{uuid}/os-instance-actions')[1]['instanceActions']
    assert listed[0]['action'] == action
    shown = client.get(f"/servers/{uuid}/os-instance-actions/{listed[0]['request_id']}")[1]
    return [(e['event'], e['result']) for e in shown['instanceAction']['events']]


def payloads(stack, uuid, prefix):
    """{event_type: versioned payload} of ``uuid`` for event types starting with ``prefix``."""
    return {et: p for _, _, et, p in list(stack.recorder.events)
            if et.startswith(prefix) and p['nova_object.data']['uuid'] == uuid}


def refused_states(client, stack, uuid, body, method, allowed, version=None):
    for vm_state in (vm for vm in ALL_VM_STATES if vm not in allowed):
        set_db_state(stack, uuid, vm_state=vm_state)
        assert post(client, uuid, body, version) == conflict(
            f"Cannot '{method}' instance {uuid} while it is in vm_state {vm_state}")
    set_db_state(stack, uuid, vm_state=allowed[0], task_state=states.REBOOTING_HARD)
    assert post(client, uuid, body, version) == conflict(
        f"Cannot '{method}' instance {uuid} while it is in task_state rebooting_hard")
    set_db_state(stack, uuid, task_state=None)


def locked(client, uuid, body, code, version=None):
    assert act(client, uuid, 'lock')[0] == 202
    assert post(client, uuid, body, version) == conflict(f'Instance {uuid} is locked')
    assert post(client, uuid, body, version, token=http.ADMIN)[0] == code


# -- rebuild -------------------------------------------------------------------------------
def test_rebuild_is_202_with_the_server_then_rebuild_states_then_the_new_image(
        stack, client, server):
    uuid = server['id']
    driver = power_stack.compute(stack).driver
    body = {'rebuild': {'imageRef': IMAGE_B, 'name': 'renamed', 'metadata': {'k': 'v'},
                        'description': 'rebuilt'}}
    with power_stack.Gate(driver, 'spawn') as gate:
        status, answer = post(client, uuid, body)
        assert status == 202, answer
        shown = answer['server']
        assert (shown['id'], shown['status'], shown['OS-EXT-STS:task_state']) == (
            uuid, 'REBUILD', states.REBUILDING)
        assert (shown['name'], shown['metadata'], shown['description']) == (
            'renamed', {'k': 'v'}, 'rebuilt')
        assert shown['image']['id'] == IMAGE_B and len(shown['adminPass']) == 12
        gate.wait_entered()
        wait_for_server(client, uuid, lambda s: s['OS-EXT-STS:task_state'] == (
            states.REBUILD_SPAWNING) and s['status'] == 'REBUILD')
    after = wait_for_server(client, uuid, settled(states.ACTIVE))
    assert after['OS-EXT-STS:power_state'] == states.RUNNING
    assert after['OS-SRV-USG:launched_at'] > server['OS-SRV-USG:launched_at']
    assert power_stack.booted_image(stack, uuid) == IMAGE_B
    assert events_of_action(client, uuid, 'rebuild') == [
        ('compute_rebuild_instance', 'Success')]
    power_stack.wait_events(stack, uuid, 'instance.rebuild.end',
                            'compute.instance.rebuild.end')
    assert in_order(stack, uuid, 'instance.rebuild.') == (
        ['instance.rebuild.start', 'instance.rebuild.end'],
        ['compute.instance.rebuild.start', 'compute.instance.rebuild.end'])
    sent = payloads(stack, uuid, 'instance.rebuild.')
    for phase, task_state in (('start', states.REBUILDING), ('end', None)):
        payload = sent[f'instance.rebuild.{phase}']
        assert (payload['nova_object.name'], payload['nova_object.version']) == (
            'InstanceActionRebuildPayload', '1.10')
        data = payload['nova_object.data']
        assert (data['task_state'], data['state'], data['image_uuid']) == (
            task_state, states.ACTIVE, IMAGE_B)
        assert data['trusted_image_certificates'] is None


@pytest.mark.parametrize('vm_state,status', [(states.STOPPED, 'SHUTOFF'),
                                             (states.ERROR, 'ACTIVE')])
def test_rebuild_of_a_stopped_server_ends_stopped_and_of_an_errored_one_active(
        stack, client, server, vm_state, status):
    uuid = server['id']
    if vm_state == states.STOPPED:
        bring_to(client, uuid, states.STOPPED)
    else:
        set_db_state(stack, uuid, vm_state=states.ERROR)
    assert post(client, uuid, {'rebuild': {'imageRef': IMAGE_B}})[0] == 202
    end_vm_state = states.STOPPED if vm_state == states.STOPPED else states.ACTIVE
    after = wait_for_server(client, uuid, settled(end_vm_state))
    assert after['status'] == status
    assert power_stack.booted_image(stack, uuid) == IMAGE_B


def test_rebuild_in_a_refused_state_is_409_and_locked_is_409_for_a_member(
        stack, client, server):
    uuid = server['id']
    body = {'rebuild': {'imageRef': IMAGE_B}}
    refused_states(client, stack, uuid, body, 'rebuild',
                   (states.ACTIVE, states.STOPPED, states.ERROR))
    locked(client, uuid, body, 202)
    wait_for_server(client, uuid, settled(states.ACTIVE))


def test_rebuild_whose_spawn_fails_errors_the_server_out(stack, client, server):
    uuid = server['id']
    driver = power_stack.compute(stack).driver

    def broken(instance):
        raise exception.InstanceSpawnFailure(reason='no space left')
    driver.spawn = broken
    try:
        assert post(client, uuid, {'rebuild': {'imageRef': IMAGE_B}})[0] == 202
        after = wait_for_server(client, uuid, settled(states.ERROR))
    finally:
        vars(driver).pop('spawn')
    assert after['fault']['message'] == 'Failed to spawn instance: no space left'
    assert events_of_action(client, uuid, 'rebuild') == [('compute_rebuild_instance', 'Error')]
    power_stack.wait_events(stack, uuid, 'instance.rebuild.error')
    error = payloads(stack, uuid, 'instance.rebuild.error')['instance.rebuild.error']
    assert error['nova_object.data']['fault']['nova_object.data']['exception'] == (
        'InstanceSpawnFailure')


def test_rebuild_preserving_ephemeral_errors_out_as_novas_default_rebuild(
        stack, client, server):
    uuid = server['id']
    body = {'rebuild': {'imageRef': IMAGE_B, 'preserve_ephemeral': True}}
    assert post(client, uuid, body)[0] == 202
    after = wait_for_server(client, uuid, settled(states.ERROR))
    assert 'preserving ephemeral' in after['fault']['message']


@pytest.mark.parametrize('rebuild,version,message', [
    ({}, None, "'imageRef' is a required property"),
    ({'imageRef': IMAGE_B, 'accessIPv4': '1.2.3'}, None, "is not a 'ipv4'"),
    ({'imageRef': IMAGE_B, 'accessIPv6': 'zz::1'}, None, "is not a 'ipv6'"),
    ({'imageRef': IMAGE_B, 'description': 'd'}, '2.18', 'Additional properties'),
    ({'imageRef': IMAGE_B, 'key_name': 'k'}, '2.53', 'Additional properties'),
    ({'imageRef': IMAGE_B, 'key_name': 'k'}, '2.54', 'Invalid key_name provided.'),
    ({'imageRef': IMAGE_B, 'personality': []}, '2.57', 'Additional properties'),
    ({'imageRef': IMAGE_B, 'user_data': '***'}, '2.57', "is not a 'base64'"),
    ({'imageRef': IMAGE_B, 'preserve_ephemeral': 'maybe'}, None, 'is not one of'),
    ({'imageRef': ''}, None, 'should be non-empty'),
])
def test_rebuild_bad_request_is_400(stack, client, server, rebuild, version, message):
    status, body = post(client, server['id'], {'rebuild': rebuild}, version)
    assert status == 400, body
    assert message in body['badRequest']['message']
    assert client.get(f"/servers/{server['id']}")[1]['server']['status'] == 'ACTIVE'


def test_rebuild_at_257_takes_user_data_a_null_key_name_and_access_ips(stack, client, server):
    body = {'rebuild': {'imageRef': IMAGE_B, 'user_data': 'aGVsbG8=', 'key_name': None,
                        'accessIPv4': '192.0.2.1', 'accessIPv6': '2001:DB8:0::1'}}
    status, answer = post(client, server['id'], body, '2.57')
    assert status == 202
    assert (answer['server']['accessIPv4'], answer['server']['accessIPv6']) == (
        '192.0.2.1', '2001:db8::1')
    after = wait_for_server(client, server['id'], settled(states.ACTIVE))
    assert (after['accessIPv4'], after['accessIPv6']) == ('192.0.2.1', '2001:db8::1')


def test_rebuild_before_275_answers_the_update_view_with_the_password(stack, client, server):
    status, answer = post(client, server['id'], {'rebuild': {'imageRef': IMAGE_B}}, '2.74')
    assert status == 202
    assert 'OS-EXT-STS:task_state' not in answer['server']
    assert {'id', 'status', 'image', 'adminPass', 'links'} <= set(answer['server'])
    assert answer['server']['status'] == 'REBUILD'
    wait_for_server(client, server['id'], settled(states.ACTIVE))


def test_rebuild_at_290_sets_the_hostname(stack, client, server):
    body = {'rebuild': {'imageRef': IMAGE_B, 'hostname': 'new-host'}}
    assert post(client, server['id'], body, '2.89')[0] == 400
    assert post(client, server['id'], body, '2.90')[0] == 202
    after = wait_for_server(client, server['id'], settled(states.ACTIVE))
    assert after['OS-EXT-SRV-ATTR:hostname'] == 'new-host'


def test_rebuild_without_instance_password_answers_no_adminpass(stack, client, server):
    stack.conf.set_override('enable_instance_password', False, group='api')
    try:
        status, body = post(client, server['id'], {'rebuild': {'imageRef': IMAGE_B}})
        rescued = post(client, server['id'], {'rescue': None})
    finally:
        stack.conf.clear_override('enable_instance_password', group='api')
    assert status == 202 and 'adminPass' not in body['server']
    assert rescued[0] == 409     # still rebuilding: nothing was rescued
    wait_for_server(client, server['id'], settled(states.ACTIVE))


# -- rescue --------------------------------------------------------------------------------
def test_rescue_is_200_with_the_password_then_rescue_image_then_unrescue(
        stack, client, server):
    uuid = server['id']
    driver = power_stack.compute(stack).driver
    body = {'rescue': {'adminPass': 'secret-pass', 'rescue_image_ref': IMAGE_B}}
    with power_stack.Gate(driver, 'rescue') as gate:
        assert post(client, uuid, body) == (200, {'adminPass': 'secret-pass'})
        gate.wait_entered()
        during = client.get(f'/servers/{uuid}')[1]['server']
        assert (during['status'], during['OS-EXT-STS:task_state']) == ('ACTIVE',
                                                                       states.RESCUING)
    after = wait_for_server(client, uuid, settled(states.RESCUED))
    assert (after['status'], after['OS-EXT-STS:power_state']) == ('RESCUE', states.RUNNING)
    assert power_stack.booted_image(stack, uuid) == IMAGE_B
    assert events_of_action(client, uuid, 'rescue') == [('compute_rescue_instance', 'Success')]
    power_stack.wait_events(stack, uuid, 'instance.rescue.end', 'compute.instance.rescue.end')
    sent = payloads(stack, uuid, 'instance.rescue.')
    for phase, task_state, vm_state in (('start', states.RESCUING, states.ACTIVE),
                                        ('end', None, states.RESCUED)):
        payload = sent[f'instance.rescue.{phase}']
        assert (payload['nova_object.name'], payload['nova_object.version']) == (
            'InstanceActionRescuePayload', '1.4')
        data = payload['nova_object.data']
        assert (data['task_state'], data['state'], data['rescue_image_ref']) == (
            task_state, vm_state, IMAGE_B)

    assert act(client, uuid, 'unrescue') == (202, None)
    wait_for_server(client, uuid, settled(states.ACTIVE))
    assert power_stack.booted_image(stack, uuid) == IMAGE_A


def test_rescue_without_arguments_generates_a_password_and_boots_the_own_image(
        stack, client, server):
    status, body = post(client, server['id'], {'rescue': None})
    assert status == 200 and len(body['adminPass']) == 12
    wait_for_server(client, server['id'], settled(states.RESCUED))
    assert power_stack.booted_image(stack, server['id']) == IMAGE_A


def test_rescue_of_a_stopped_server_runs_the_rescue_image(stack, client, server):
    bring_to(client, server['id'], states.STOPPED)
    assert post(client, server['id'], {'rescue': None})[0] == 200
    after = wait_for_server(client, server['id'], settled(states.RESCUED))
    assert after['OS-EXT-STS:power_state'] == states.RUNNING


def test_rescue_in_a_refused_state_is_409_and_locked_is_409_for_a_member(
        stack, client, server):
    uuid = server['id']
    refused_states(client, stack, uuid, {'rescue': None}, 'rescue',
                   (states.ACTIVE, states.STOPPED, states.ERROR))
    locked(client, uuid, {'rescue': None}, 200)
    wait_for_server(client, uuid, settled(states.RESCUED))


def test_rescue_whose_driver_fails_errors_the_server_out(stack, client, server):
    uuid = server['id']
    driver = power_stack.compute(stack).driver

    def broken(instance, **kwargs):
        raise exception.VirtDriverError(reason='no rescue image')
    driver.rescue = broken
    try:
        assert post(client, uuid, {'rescue': None})[0] == 200
        after = wait_for_server(client, uuid, settled(states.ERROR))
    finally:
        vars(driver).pop('rescue')
    assert after['fault']['message'] == 'Hypervisor error: no rescue image'
    assert events_of_action(client, uuid, 'rescue') == [('compute_rescue_instance', 'Error')]


@pytest.mark.parametrize('rescue', [{'adminPass': 1}, {'rescue_image_ref': ''},
                                    {'other': 'x'}, 'text'])
def test_rescue_bad_request_is_400(stack, client, server, rescue):
    assert post(client, server['id'], {'rescue': rescue})[0] == 400


# -- trigger_crash_dump ----------------------------------------------------------------------
def test_trigger_crash_dump_is_202_with_event_and_notifications(stack, client, server):
    uuid = server['id']
    assert post(client, uuid, {'trigger_crash_dump': None}, '2.17') == (202, None)
    power_stack.wait_events(stack, uuid, 'instance.trigger_crash_dump.end',
                            'compute.instance.trigger_crash_dump.end')
    assert in_order(stack, uuid, 'instance.trigger_crash_dump.')[0] == [
        'instance.trigger_crash_dump.start', 'instance.trigger_crash_dump.end']
    assert events_of_action(client, uuid, 'trigger_crash_dump') == [
        ('compute_trigger_crash_dump', 'Success')]
    after = wait_for_server(client, uuid, settled(states.ACTIVE))
    assert after['status'] == 'ACTIVE'
    if power_stack.is_fake(stack):
        assert power_stack.compute(stack).driver.guests[uuid].crash_dumps == 1


def test_trigger_crash_dump_before_217_is_404(stack, client, server):
    status, body = post(client, server['id'], {'trigger_crash_dump': None}, '2.16')
    assert status == 404 and body['itemNotFound']['code'] == 404


def test_trigger_crash_dump_refusals_locks_and_bad_body(stack, client, server):
    uuid = server['id']
    body = {'trigger_crash_dump': None}
    refused_states(client, stack, uuid, body, 'trigger_crash_dump',
                   (states.ACTIVE, states.PAUSED, states.RESCUED, states.ERROR), '2.17')
    assert post(client, uuid, {'trigger_crash_dump': {}}, '2.17')[0] == 400
    locked(client, uuid, body, 202, '2.17')


# -- os-getConsoleOutput ----------------------------------------------------------------------
def _console_lines(stack, uuid):
    """Write a known log where the libvirt domain writes its serial console."""
    if power_stack.is_fake(stack):
        return power_stack.compute(stack).driver.get_console_output({'uuid': uuid})
    text = 'boot line 1\nboot line 2\nlogin:\n'
    driver = power_stack.compute(stack).driver
    with open(driver.rescuer._paths({'uuid': uuid}).console_log, 'w') as handle:
        handle.write(text)
    return text


@pytest.mark.parametrize('length', [None, -1, '-1', 1, '2', 0])
def test_console_output_returns_the_last_lines(stack, client, server, length):
    uuid = server['id']
    text = _console_lines(stack, uuid)
    assert text
    body = {'os-getConsoleOutput': {} if length is None else {'length': length}}
    status, answer = post(client, uuid, body)
    assert status == 200
    if length is None or int(length) < 0:
        assert answer == {'output': text}
    else:
        expected = '\n'.join(text.split('\n')[-int(length):]) if int(length) else ''
        assert answer == {'output': expected}


def test_console_output_of_a_stopped_server_and_bad_lengths(stack, client, server):
    uuid = server['id']
    bring_to(client, uuid, states.STOPPED)
    assert post(client, uuid, {'os-getConsoleOutput': {}})[0] == 200
    for length in (-2, 'ten', 1.5):
        assert post(client, uuid, {'os-getConsoleOutput': {'length': length}})[0] == 400


def test_console_output_of_another_projects_server_is_404(stack, client, server):
    status, _ = post(client, server['id'], {'os-getConsoleOutput': {}}, token=http.OTHER)
    assert status == 404


# -- changePassword -----------------------------------------------------------------------------
def test_change_password_on_fake_is_202_and_on_libvirt_409_without_guest_agent(
        stack, client, server):
    uuid = server['id']
    answer = post(client, uuid, {'changePassword': {'adminPass': 'n3w-pass'}})
    if power_stack.is_fake(stack):
        assert answer == (202, None)
        assert power_stack.compute(stack).driver.guests[uuid].password == 'n3w-pass'
        result = 'Success'
    else:
        assert answer == conflict('QEMU guest agent is not enabled')
        result = 'Error'
    after = client.get(f'/servers/{uuid}')[1]['server']
    assert (after['status'], after['OS-EXT-STS:task_state']) == ('ACTIVE', None)
    assert events_of_action(client, uuid, 'changePassword') == [
        ('compute_set_admin_password', result)]


def test_change_password_refusals_locks_and_bad_body(stack, client, server):
    uuid = server['id']
    body = {'changePassword': {'adminPass': 'pw'}}
    refused_states(client, stack, uuid, body, 'changePassword', (states.ACTIVE,))
    for bad in ({}, {'adminPass': 5}, None):
        assert post(client, uuid, {'changePassword': bad})[0] == 400
    expected = 202 if power_stack.is_fake(stack) else 409
    locked(client, uuid, body, expected)
