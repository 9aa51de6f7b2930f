"""Start-up recovery decisions and their effect (DESIGN §5, issue 6)."""

import threading

import pytest

from cepheid.common import states
from cepheid.compute import instance_queue
from cepheid.compute import recovery
from tests.fixtures import local_stack

R, S = states.RUNNING, states.SHUTDOWN


@pytest.mark.parametrize('task_state,power,step', [
    (states.REBOOT_PENDING, R, recovery.Step.RETRY_SOFT),
    (states.REBOOT_PENDING, S, recovery.Step.RETRY_HARD),
    (states.REBOOT_PENDING_HARD, R, recovery.Step.RETRY_HARD),
    (states.REBOOT_STARTED, S, recovery.Step.RETRY_HARD),
    (states.REBOOT_STARTED_HARD, states.NOSTATE, recovery.Step.RETRY_HARD),
    (states.REBOOT_STARTED, R, recovery.Step.CLEAR),
    (states.REBOOT_STARTED_HARD, R, recovery.Step.CLEAR),
    (states.REBOOTING, R, recovery.Step.LEAVE),
    (states.REBOOTING_HARD, S, recovery.Step.LEAVE),
    (states.DELETING, R, recovery.Step.DELETE),
    (states.POWERING_OFF, S, recovery.Step.FINISH_POWER),
    (states.POWERING_OFF, R, recovery.Step.RETRY_POWER),
    (states.PAUSING, states.PAUSED_POWER, recovery.Step.FINISH_POWER),
    (states.RESUMING, states.SUSPENDED_POWER, recovery.Step.RETRY_POWER),
    (states.POWERING_ON, R, recovery.Step.FINISH_POWER),
    (states.SPAWNING, R, recovery.Step.LEAVE),
])
def test_plan_follows_novas_rules(task_state, power, step):
    assert recovery.plan(task_state, power) == step


def _interrupted(stack, task_state, power_state):
    instance = stack.make_instance()
    ctx = stack.context('reboot', instance['uuid'])
    stack.set_task_state(instance['uuid'], task_state)
    stack.driver.guests[instance['uuid']].power_state = power_state
    return instance, ctx


def _drain(queue):
    for _ in range(500):
        if queue.idle():
            return
        threading.Event().wait(0.01)
    raise AssertionError('queue did not drain')


def test_recovery_finishes_interrupted_reboots_on_the_original_action():
    stack = local_stack.LocalStack()
    queue = instance_queue.InstanceWorkQueue(2)
    started_off, ctx_off = _interrupted(stack, states.REBOOT_STARTED, states.SHUTDOWN)
    started_on, ctx_on = _interrupted(stack, states.REBOOT_STARTED, states.RUNNING)
    pending, ctx_pending = _interrupted(stack, states.REBOOT_PENDING_HARD, states.RUNNING)
    requested, _ = _interrupted(stack, states.REBOOTING, states.RUNNING)
    done = recovery.recover(stack.manager, queue)
    _drain(queue)
    assert done[requested['uuid']] is recovery.Step.LEAVE
    assert stack.get(requested['uuid'])['task_state'] == states.REBOOTING
    for instance, ctx in ((started_off, ctx_off), (started_on, ctx_on),
                          (pending, ctx_pending)):
        row = stack.get(instance['uuid'])
        assert (row['vm_state'], row['task_state'], row['power_state']) == (
            states.ACTIVE, None, states.RUNNING)
        _, events = stack.events(instance['uuid'], ctx.request_id)
        assert [(e['event'], e['result']) for e in events] == [
            ('compute_reboot_instance', 'Success')]
    assert stack.driver.guests[started_off['uuid']].power_state == states.RUNNING
    queue.shutdown()


def test_recovery_finishes_or_retries_interrupted_power_actions():
    stack = local_stack.LocalStack()
    queue = instance_queue.InstanceWorkQueue(2)
    done_off, ctx_done = _interrupted(stack, states.POWERING_OFF, states.SHUTDOWN)
    todo_off, ctx_todo = _interrupted(stack, states.POWERING_OFF, states.RUNNING)
    for instance, ctx in ((done_off, ctx_done), (todo_off, ctx_todo)):
        with stack.db.transaction() as session:
            local_stack.db_actions.action_start(
                session, instance_uuid=instance['uuid'], request_id=ctx.request_id + '-stop',
                action='stop', user_id='user', project_id='project')
    recovery.recover(stack.manager, queue)
    _drain(queue)
    for instance in (done_off, todo_off):
        row = stack.get(instance['uuid'])
        assert (row['vm_state'], row['task_state'], row['power_state']) == (
            states.STOPPED, None, states.SHUTDOWN)
    assert stack.driver.guests[todo_off['uuid']].power_state == states.SHUTDOWN
    assert [c.method for c in stack.driver.calls if c.uuid == done_off['uuid']] == []
    queue.shutdown()
