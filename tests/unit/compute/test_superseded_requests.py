"""Every accepted request ends with its compute event finished, whatever overtook it
(issue 14 item 1): a CAS miss at ``begin`` records the event as Error with the reason."""

import logging

import pytest

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import decorators
from tests.fixtures import local_stack


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def _requested(stack, reboot_type):
    instance = stack.make_instance()
    instance = stack.set_task_state(instance['uuid'], states.REBOOT_STEPS[reboot_type][0])
    return stack.context('reboot', instance['uuid']), instance


def _events(stack, instance, ctx):
    action, events = stack.events(instance['uuid'], ctx.request_id)
    return action, [(e['event'], e['result'], e['details']) for e in events]


def test_soft_reboot_overtaken_by_hard_ends_with_error_event_and_one_info_line(stack, caplog):
    ctx, instance = _requested(stack, 'SOFT')
    stack.set_task_state(instance['uuid'], states.REBOOTING_HARD)   # a HARD request won
    caplog.set_level(logging.INFO)
    decorators.run_operation(stack.manager.reboot_instance, ctx, instance, reboot_type='SOFT')
    action, events = _events(stack, instance, ctx)
    assert events == [('compute_reboot_instance', 'Error', 'superseded by HARD reboot')]
    assert action['message'] == 'Error'
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING_HARD
    assert stack.driver.calls == []
    records = [r for r in caplog.records if r.name.startswith('cepheid')]
    assert [r.levelno for r in records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in records)
    assert any('superseded by HARD reboot' in r.getMessage() for r in records)


def test_hard_reboot_merged_into_the_one_in_progress_ends_with_its_event(stack):
    ctx, instance = _requested(stack, 'HARD')
    stack.set_task_state(instance['uuid'], None)     # the earlier HARD reboot finished
    decorators.run_operation(stack.manager.reboot_instance, ctx, instance, reboot_type='HARD')
    _, events = _events(stack, instance, ctx)
    assert events == [('compute_reboot_instance', 'Error',
                       'merged into the HARD reboot already in progress')]


def test_power_action_on_a_deleted_instance_still_finishes_its_event(stack):
    instance = stack.make_instance()
    instance = stack.set_task_state(instance['uuid'], states.POWERING_OFF)
    ctx = stack.context('stop', instance['uuid'])
    from cepheid.api.db import instances as db_instances
    with stack.db.transaction() as session:
        db_instances.soft_delete(session, instance['uuid'])
    decorators.run_operation(stack.manager.run_power_action, ctx, instance,
                             rpc_method='stop_instance')
    _, events = _events(stack, instance, ctx)
    assert events == [('compute_stop_instance', 'Error',
                       'superseded: the instance was deleted')]


def test_retried_begin_that_finds_a_newer_hard_reboot_finishes_the_open_event(stack):
    """begin succeeded, its reply was lost, the re-sent call meets a newer HARD reboot."""
    ctx, instance = _requested(stack, 'SOFT')
    kwargs = dict(event='compute_reboot_instance',
                  values={'task_state': states.REBOOT_PENDING},
                  expected_task_state=states.SOFT_REBOOT_STATES)
    stack.conductor.begin(ctx, instance['uuid'], **kwargs)      # reply "lost"
    stack.set_task_state(instance['uuid'], states.REBOOTING_HARD)
    with pytest.raises(exception.UnexpectedTaskStateError):
        stack.conductor.begin(ctx, instance['uuid'], **kwargs)  # the retry
    _, events = _events(stack, instance, ctx)
    assert events == [('compute_reboot_instance', 'Error', 'superseded by HARD reboot')]


def test_redelivered_request_leaves_its_finished_event_alone(stack):
    ctx, instance = _requested(stack, 'SOFT')
    stack.manager.reboot_instance(ctx, instance, reboot_type='SOFT')
    decorators.run_operation(stack.manager.reboot_instance, ctx, instance, reboot_type='SOFT')
    _, events = _events(stack, instance, ctx)
    assert events == [('compute_reboot_instance', 'Success', None)]
