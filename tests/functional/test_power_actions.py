"""The table-driven power actions and delete over REST, end to end, on the fake and libvirt
drivers (DESIGN §3, §6).

Every case is derived from ``compute.actions.POWER_ACTIONS``: a new table entry is tested
here without a new line. One stack per driver serves the module; each test has its own
server and looks only at that server's notifications.
"""

import pytest

from cepheid.api.db import instances as db_instances
from cepheid.common import states
from cepheid.compute import actions
from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import wait_for_server

# The vm_states a test reaches through the API, and the action that reaches each from active.
REACHABLE = {states.ACTIVE: None, states.STOPPED: 'os-stop', states.PAUSED: 'pause',
             states.SUSPENDED: 'suspend', states.RESCUED: 'rescue'}
# Every vm_state a server can be in before an action (set in the DB for the refusals).
ALL_VM_STATES = (states.ACTIVE, states.BUILDING, states.STOPPED, states.PAUSED,
                 states.SUSPENDED, states.RESCUED, states.ERROR)
POWER = {states.ACTIVE: states.RUNNING, states.STOPPED: states.SHUTDOWN,
         states.PAUSED: states.PAUSED_POWER, states.SUSPENDED: states.SUSPENDED_POWER,
         states.RESCUED: states.RUNNING}
NAMES = sorted(actions.POWER_ACTIONS)


@pytest.fixture(scope='module', params=power_stack.DRIVERS)
def stack(request, tmp_path_factory):
    running = power_stack.start(request.param, tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()


def spec_of(name):
    return actions.POWER_ACTIONS[name]


def source_state(name):
    """The first vm_state the action accepts that a test can reach through the API."""
    return next(vm for vm in REACHABLE if vm in spec_of(name).vm_states)


def act(client, server_id, name, token=http.MEMBER):
    return client.post(f'/servers/{server_id}/action', {name: None}, token=token)


def settled(vm_state):
    return lambda s: (s['OS-EXT-STS:vm_state'] == vm_state
                      and s['OS-EXT-STS:task_state'] is None)


def bring_to(client, server_id, vm_state):
    setup = REACHABLE[vm_state]
    if setup is not None:
        # rescue answers 200 with the password, the others 202
        assert act(client, server_id, setup)[0] in (200, 202)
    return wait_for_server(client, server_id, settled(vm_state))


def set_db_state(stack, server_id, **values):
    with stack.db.transaction() as session:
        db_instances.update(session, server_id, values)


def conflict(message):
    return 409, {'conflictingRequest': {'code': 409, 'message': message}}


def in_order(stack, uuid, prefix):
    """(versioned, legacy) event types of ``uuid`` containing ``prefix``, each in order."""
    seen = power_stack.events_of(stack, uuid, prefix)
    return ([e for e in seen if not e.startswith('compute.')],
            [e for e in seen if e.startswith('compute.')])


# -- success: what a client sees, records and hears ---------------------------------------
@pytest.mark.parametrize('name', NAMES)
def test_action_shows_task_state_then_end_state_with_action_event_and_notifications(
        stack, client, server, name):
    spec, uuid = spec_of(name), server['id']
    before = bring_to(client, uuid, source_state(name))
    with power_stack.Gate(power_stack.compute(stack).driver, spec.driver_call) as gate:
        assert act(client, uuid, name) == (202, None)
        gate.wait_entered()
        during = client.get(f'/servers/{uuid}')[1]['server']
        assert (during['status'], during['OS-EXT-STS:task_state']) == (
            before['status'], spec.task_state)
    after = wait_for_server(client, uuid, settled(spec.end_vm_state))
    assert after['status'] == states.status_from_state(spec.end_vm_state)
    assert after['OS-EXT-STS:power_state'] == POWER[spec.end_vm_state]
    assert power_stack.guest_power_state(stack, uuid) == POWER[spec.end_vm_state]

    listed = client.get(f'/servers/{uuid}/os-instance-actions')[1]['instanceActions']
    assert (listed[0]['action'], listed[0]['message']) == (spec.action, None)
    shown = client.get(f"/servers/{uuid}/os-instance-actions/{listed[0]['request_id']}")
    assert [(e['event'], e['result']) for e in shown[1]['instanceAction']['events']] == [
        (f'compute_{spec.rpc_method}', 'Success')]

    prefix = f'instance.{spec.notification}.'
    power_stack.wait_events(stack, uuid, f'{prefix}end', f'compute.{prefix}end')
    assert in_order(stack, uuid, prefix) == (
        [f'{prefix}start', f'{prefix}end'], [f'compute.{prefix}start', f'compute.{prefix}end'])


@pytest.mark.parametrize('name', NAMES)
def test_action_payloads_carry_task_state_then_end_state(stack, client, server, name):
    spec, uuid = spec_of(name), server['id']
    bring_to(client, uuid, source_state(name))
    assert act(client, uuid, name)[0] == 202
    prefix = f'instance.{spec.notification}.'
    power_stack.wait_events(stack, uuid, f'{prefix}end')
    payloads = {et: p['nova_object.data'] for _, _, et, p in list(stack.recorder.events)
                if et.startswith(prefix) and p['nova_object.data']['uuid'] == uuid}
    start, end = payloads[f'{prefix}start'], payloads[f'{prefix}end']
    assert (start['task_state'], end['task_state']) == (spec.task_state, None)
    assert (end['state'], end['power_state']) == (
        spec.end_vm_state, states.POWER_STATE_NAMES[POWER[spec.end_vm_state]])
    assert start['request_id'] == end['request_id']


# -- refusals --------------------------------------------------------------------------
@pytest.mark.parametrize('name', NAMES)
def test_action_in_a_refused_state_is_409_with_novas_message(stack, client, server, name):
    spec, uuid = spec_of(name), server['id']
    for vm_state in (vm for vm in ALL_VM_STATES if vm not in spec.vm_states):
        set_db_state(stack, uuid, vm_state=vm_state)
        assert act(client, uuid, name) == conflict(
            f"Cannot '{spec.action}' instance {uuid} while it is in vm_state {vm_state}")
    set_db_state(stack, uuid, vm_state=source_state(name), task_state=states.REBOOTING_HARD)
    assert act(client, uuid, name) == conflict(
        f"Cannot '{spec.action}' instance {uuid} while it is in task_state rebooting_hard")
    set_db_state(stack, uuid, task_state=None, launched_at=None)
    assert act(client, uuid, name) == conflict(
        f"Cannot '{spec.action}' instance {uuid} while it is in vm_state "
        f"{source_state(name)}")
    assert client.get(f'/servers/{uuid}/os-instance-actions')[1]['instanceActions'][0][
        'action'] == 'create'


@pytest.mark.parametrize('name', NAMES)
def test_action_on_a_locked_server_is_409_for_a_member_and_202_for_admin(
        stack, client, server, name):
    spec, uuid = spec_of(name), server['id']
    bring_to(client, uuid, source_state(name))
    assert act(client, uuid, 'lock') == (202, None)
    assert act(client, uuid, name) == conflict(f'Instance {uuid} is locked')
    assert act(client, uuid, name, token=http.ADMIN)[0] == 202
    wait_for_server(client, uuid, settled(spec.end_vm_state))
    # lock and unlock are never blocked by the lock
    assert act(client, uuid, 'lock') == (202, None)
    assert act(client, uuid, 'unlock') == (202, None)


# -- the other vm_states Nova accepts -------------------------------------------------------
@pytest.mark.parametrize('name,vm_state', [
    ('os-stop', states.ERROR), ('os-stop', states.RESCUED), ('pause', states.RESCUED)])
def test_action_from_error_or_rescued(stack, client, server, name, vm_state):
    spec, uuid = spec_of(name), server['id']
    set_db_state(stack, uuid, vm_state=vm_state)
    assert act(client, uuid, name)[0] == 202
    after = wait_for_server(client, uuid, settled(spec.end_vm_state))
    assert after['OS-EXT-STS:power_state'] == POWER[spec.end_vm_state]


# -- delete ------------------------------------------------------------------------------
@pytest.mark.parametrize('vm_state', [states.ACTIVE, states.STOPPED, states.PAUSED,
                                      states.SUSPENDED])
def test_delete_shows_deleting_then_404_with_delete_notifications(
        stack, client, server, vm_state):
    uuid = server['id']
    before = bring_to(client, uuid, vm_state)
    with power_stack.Gate(power_stack.compute(stack).driver, 'destroy') as gate:
        assert client.request('DELETE', f'/servers/{uuid}') == (204, None)
        gate.wait_entered()
        during = client.get(f'/servers/{uuid}')[1]['server']
        assert (during['status'], during['OS-EXT-STS:task_state']) == (
            before['status'], states.DELETING)
    power_stack.wait_until(lambda: client.get(f'/servers/{uuid}')[0] == 404)
    power_stack.wait_events(stack, uuid, 'instance.delete.end',
                            'compute.instance.delete.end')
    assert in_order(stack, uuid, 'instance.delete.') == (
        ['instance.delete.start', 'instance.delete.end'],
        ['compute.instance.delete.start', 'compute.instance.delete.end'])
    assert uuid not in power_stack.compute(stack).driver.list_instance_uuids()


def test_delete_from_error_is_204_then_404(stack, client, server):
    set_db_state(stack, server['id'], vm_state=states.ERROR)
    assert client.request('DELETE', f"/servers/{server['id']}")[0] == 204
    power_stack.wait_until(lambda: client.get(f"/servers/{server['id']}")[0] == 404)


def test_delete_of_a_locked_server_is_409_for_a_member_and_204_for_admin(
        stack, client, server):
    uuid = server['id']
    assert act(client, uuid, 'lock')[0] == 202
    assert client.request('DELETE', f'/servers/{uuid}') == conflict(
        f'Instance {uuid} is locked')
    assert client.request('DELETE', f'/servers/{uuid}', token=http.ADMIN)[0] == 204
    power_stack.wait_until(lambda: client.get(f'/servers/{uuid}')[0] == 404)
