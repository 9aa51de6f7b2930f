"""Power actions interleaved with reboots and deletes, and the power-state sync, end to end
on the fake and libvirt drivers (DESIGN §2, §5; Nova's _sync_instance_power_state)."""

import pytest

from cepheid.api.db import actions as db_actions
from cepheid.common import states
from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server
from tests.functional.test_power_actions import bring_to
from tests.functional.test_power_actions import set_db_state
from tests.functional.test_power_actions import settled


@pytest.fixture(scope='module', params=power_stack.DRIVERS)
def stack(request, tmp_path_factory):
    running = power_stack.start(request.param, tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()


def reboot(client, uuid, reboot_type):
    return client.post(f'/servers/{uuid}/action', {'reboot': {'type': reboot_type}})


def started_hard(server):
    # The step to *_started is a cast: the driver may be called just before it is saved.
    return server['OS-EXT-STS:task_state'] == states.REBOOT_STARTED_HARD


def action_names(client, uuid):
    return [a['action'] for a in
            client.get(f'/servers/{uuid}/os-instance-actions')[1]['instanceActions']]


# -- hard reboot is a power-on ----------------------------------------------------------------
@pytest.mark.parametrize('vm_state,status', [
    (states.STOPPED, 'SHUTOFF'), (states.PAUSED, 'PAUSED'), (states.SUSPENDED, 'SUSPENDED'),
    (states.ERROR, 'ERROR')])
def test_hard_reboot_from_a_non_active_state_keeps_its_status_then_ends_active(
        stack, client, server, vm_state, status):
    uuid = server['id']
    if vm_state == states.ERROR:
        set_db_state(stack, uuid, vm_state=states.ERROR)
    else:
        bring_to(client, uuid, vm_state)
    with power_stack.Gate(power_stack.compute(stack).driver, 'reboot') as gate:
        assert reboot(client, uuid, 'HARD') == (202, None)
        gate.wait_entered()
        during = wait_for_server(client, uuid, started_hard)
        assert during['status'] == status
    after = wait_for_server(client, uuid, idle)
    assert after['OS-EXT-STS:power_state'] == states.RUNNING
    assert power_stack.guest_power_state(stack, uuid) == states.RUNNING


def test_soft_reboot_of_a_stopped_server_is_409(stack, client, server):
    bring_to(client, server['id'], states.STOPPED)
    code, body = reboot(client, server['id'], 'SOFT')
    assert (code, body['conflictingRequest']['message']) == (409, (
        f"Cannot 'reboot' instance {server['id']} while it is in vm_state stopped"))


def test_delete_while_a_reboot_is_queued_ends_quietly_and_the_server_is_gone(
        stack, client, server):
    uuid = server['id']
    with power_stack.Gate(power_stack.compute(stack).driver, 'reboot') as gate:
        assert reboot(client, uuid, 'SOFT')[0] == 202
        gate.wait_entered()
        assert reboot(client, uuid, 'HARD')[0] == 202      # queued behind the soft one
        assert client.request('DELETE', f'/servers/{uuid}')[0] == 204
    power_stack.wait_until(lambda: client.get(f'/servers/{uuid}')[0] == 404)
    power_stack.wait_events(stack, uuid, 'instance.delete.end', 'compute.instance.delete.end')
    seen = power_stack.events_of(stack, uuid, 'instance.')
    assert not [e for e in seen if e.endswith('.error')], seen
    assert seen.count('instance.reboot.start') == 1      # the queued HARD never started
    with stack.db.transaction() as session:
        assert db_actions.fault_latest(session, [uuid]) == {}
    assert uuid not in power_stack.compute(stack).driver.list_instance_uuids()


# -- power-state sync -------------------------------------------------------------------------
def test_guest_powered_off_outside_is_shown_shutoff_after_its_lifecycle_event(
        stack, client, server):
    uuid = server['id']
    power_stack.power_off_behind_our_back(stack, uuid)
    after = wait_for_server(client, uuid, settled(states.STOPPED))
    assert (after['status'], after['OS-EXT-STS:power_state']) == ('SHUTOFF', states.SHUTDOWN)
    assert action_names(client, uuid) == ['stop', 'create']
    power_stack.wait_events(stack, uuid, 'instance.power_off.end')


def test_guest_powered_off_outside_is_shown_shutoff_after_the_periodic_sync(
        stack, client, server):
    uuid = server['id']
    compute = power_stack.compute(stack)
    compute.driver.register_event_listener(None)     # only the periodic task may notice
    try:
        power_stack.power_off_behind_our_back(stack, uuid)
        assert wait_for_server(client, uuid, idle)['status'] == 'ACTIVE'
        assert uuid in compute.power_sync.sync_all()
        after = wait_for_server(client, uuid, settled(states.STOPPED))
    finally:
        compute.driver.register_event_listener(compute.power_sync.handle_event)
    assert (after['status'], after['OS-EXT-STS:power_state']) == ('SHUTOFF', states.SHUTDOWN)


def test_stopped_server_whose_guest_was_started_outside_is_powered_off_again(
        stack, client, server):
    uuid = server['id']
    bring_to(client, uuid, states.STOPPED)
    power_stack.power_on_behind_our_back(stack, uuid)
    power_stack.wait_until(lambda: action_names(client, uuid)[0] == 'stop'
                           and action_names(client, uuid).count('stop') == 2)
    wait_for_server(client, uuid, settled(states.STOPPED))
    power_stack.wait_until(
        lambda: power_stack.guest_power_state(stack, uuid) == states.SHUTDOWN)


def test_sync_never_touches_an_instance_mid_reboot(stack, client, server):
    uuid = server['id']
    compute = power_stack.compute(stack)
    with power_stack.Gate(compute.driver, 'reboot') as gate:
        assert reboot(client, uuid, 'HARD')[0] == 202
        gate.wait_entered()
        power_stack.power_off_behind_our_back(stack, uuid, mid_operation=True)  # ignored
        assert compute.power_sync.sync_instance(uuid) is None
        compute.power_sync.sync_all()                         # queued behind the reboot
        during = wait_for_server(client, uuid, started_hard)
        assert (during['status'], during['OS-EXT-STS:power_state']) == (
            'HARD_REBOOT', states.RUNNING)
    after = wait_for_server(client, uuid, idle)
    assert after['OS-EXT-STS:power_state'] == states.RUNNING
    power_stack.wait_until(lambda: compute.queue.idle())
    assert action_names(client, uuid) == ['reboot', 'create']
    assert wait_for_server(client, uuid, idle)['status'] == 'ACTIVE'


def test_member_sees_the_sync_stop_action_without_a_user(stack, client, server):
    uuid = server['id']
    power_stack.power_off_behind_our_back(stack, uuid)
    wait_for_server(client, uuid, settled(states.STOPPED))
    listed = client.get(f'/servers/{uuid}/os-instance-actions',
                        token=http.MEMBER)[1]['instanceActions']
    assert (listed[0]['action'], listed[0]['user_id']) == ('stop', None)
