"""The compute manager's reboot flow (DESIGN §5) against the real conductor endpoint."""

import pytest

from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import local_stack


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def _requested(stack, reboot_type):
    instance = stack.make_instance()
    requested = states.REBOOT_STEPS[reboot_type][0]
    instance = stack.set_task_state(instance['uuid'], requested)
    ctx = stack.context('reboot', instance['uuid'])
    return ctx, instance


@pytest.mark.parametrize('reboot_type', ['SOFT', 'HARD'])
def test_reboot_success_ends_active_with_event_and_notifications(stack, reboot_type):
    ctx, instance = _requested(stack, reboot_type)
    stack.manager.reboot_instance(ctx, instance, reboot_type=reboot_type)
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ACTIVE, None, states.RUNNING)
    assert stack.notifier.event_types() == ['instance.reboot.start', 'instance.reboot.end']
    start_payload = stack.notifier.sent[0][1]
    assert start_payload['task_state'] == states.REBOOT_STEPS[reboot_type][1]
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result'], e['host']) for e in events] == [
        ('compute_reboot_instance', 'Success', local_stack.HOST)]
    assert [c.method for c in stack.driver.calls] == ['reboot']


def test_reboot_failure_with_guest_running_goes_back_to_active_with_fault(stack):
    ctx, instance = _requested(stack, 'SOFT')
    stack.driver.fail('reboot', exception.InstanceRebootFailure(reason='acpi went away'))
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state']) == (states.ACTIVE, None)
    fault = stack.faults(instance['uuid'])[instance['uuid']]
    assert 'acpi went away' in fault['message']
    assert stack.notifier.event_types() == ['instance.reboot.start', 'instance.reboot.error']
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert events[0]['result'] == 'Success'


def test_reboot_failure_with_guest_down_is_error_with_traceback(stack):
    ctx, instance = _requested(stack, 'HARD')
    stack.driver.fail('reboot', exception.InstanceRebootFailure(reason='qemu died'),
                      power_state=states.SHUTDOWN)
    stack.manager.reboot_instance(ctx, instance, reboot_type='HARD')
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ERROR, None, states.SHUTDOWN)
    action, events = stack.events(instance['uuid'], ctx.request_id)
    assert events[0]['result'] == 'Error' and 'qemu died' in events[0]['traceback']
    assert action['message'] == 'Error'
    assert stack.faults(instance['uuid'])[instance['uuid']]['code'] == 500


def test_unexpected_exception_reverts_task_state_and_records_event_and_fault(stack):
    ctx, instance = _requested(stack, 'SOFT')
    stack.driver.get_info = _failing_once(stack.driver.get_info, RuntimeError('boom'))
    with pytest.raises(RuntimeError):
        stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    row = stack.get(instance['uuid'])
    assert row['task_state'] is None
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert events[-1]['result'] == 'Error'
    assert 'boom' in stack.faults(instance['uuid'])[instance['uuid']]['message']
    assert stack.notifier.event_types()[-1] == 'instance.reboot.error'


def _failing_once(fn, exc):
    state = {'raised': False}

    def wrapper(*args, **kwargs):
        if not state['raised']:
            state['raised'] = True
            raise exc
        return fn(*args, **kwargs)
    return wrapper


def test_reboot_of_instance_taken_by_another_task_changes_nothing(stack):
    ctx, instance = _requested(stack, 'SOFT')
    stack.set_task_state(instance['uuid'], states.POWERING_OFF)
    with pytest.raises(exception.UnexpectedTaskStateError):
        stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    assert stack.get(instance['uuid'])['task_state'] == states.POWERING_OFF
    assert stack.driver.calls == []


def test_redelivered_reboot_is_a_no_op(stack):
    ctx, instance = _requested(stack, 'SOFT')
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    boots = stack.driver.guests[instance['uuid']].boots
    with pytest.raises(exception.RequestAlreadyHandled):
        stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    assert stack.driver.guests[instance['uuid']].boots == boots
    assert stack.get(instance['uuid'])['task_state'] is None


def test_final_save_never_clobbers_a_newer_task_state(stack):
    ctx, instance = _requested(stack, 'SOFT')
    original = stack.driver._reboot

    def reboot_then_hard_request(inst, reboot_type):
        stack.set_task_state(inst['uuid'], states.REBOOTING_HARD)
        original(inst, reboot_type)
    stack.driver._reboot = reboot_then_hard_request
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING_HARD
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert events[0]['result'] == 'Success'


def test_reboot_failure_with_the_hypervisor_away_records_an_honest_state(stack):
    """libvirtd still away when the driver gives up: the failure handler does not raise
    again on the power state; the server is ERROR with power state NOSTATE, the event
    finished as Error."""
    ctx, instance = _requested(stack, 'SOFT')
    stack.driver.fail('reboot', exception.InstanceRebootFailure(reason='libvirt away'))
    get_info = stack.driver.get_info
    calls = []

    def unavailable_after_start(instance):
        calls.append(1)
        if len(calls) > 1:      # the power state read at the start works; libvirtd goes
            raise exception.HypervisorUnavailable(host=local_stack.HOST)
        return get_info(instance)

    stack.driver.get_info = unavailable_after_start
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        states.ERROR, None, states.NOSTATE)
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Error')]
    assert 'libvirt away' in stack.faults(instance['uuid'])[instance['uuid']]['message']
    assert stack.notifier.event_types() == ['instance.reboot.start', 'instance.reboot.error']
