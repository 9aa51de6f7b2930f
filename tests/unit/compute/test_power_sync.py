"""Power-state sync (Nova's _sync_instance_power_state) against the real conductor endpoint."""

import threading

import pytest

from cepheid.api.db import actions as db_actions
from cepheid.common import jitter
from cepheid.common import states
from cepheid.compute import power_sync
from tests.fixtures import local_stack

A, S, P, SU, E = states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED, states.ERROR
ST = S
RUN, OFF, PAUSED, SUSP, CRASH, NONE = (states.RUNNING, states.SHUTDOWN, states.PAUSED_POWER,
                                       states.SUSPENDED_POWER, states.CRASHED, states.NOSTATE)
Step = power_sync.Step


class InlineQueue:
    """Runs each submitted operation at once; ``busy_uuids`` pretend an operation runs."""

    def __init__(self):
        self.submitted = []
        self.busy_uuids = set()

    def submit(self, uuid, fn, *args, **kwargs):
        self.submitted.append(uuid)
        fn(*args, **kwargs)

    def busy(self, uuid):
        return uuid in self.busy_uuids


@pytest.fixture
def stack():
    return local_stack.LocalStack()


@pytest.fixture
def sync(stack):
    stack.conf.set_override('lifecycle_event_delay', 0)
    syncer = power_sync.PowerStateSync(stack.conf, stack.manager, InlineQueue())
    yield syncer
    syncer.stop()


def _guest(stack, instance, power_state):
    stack.driver.guests[instance['uuid']].power_state = power_state


@pytest.mark.parametrize('vm_state,power,step', [
    (A, RUN, Step.SAVE), (A, OFF, Step.STOP), (A, CRASH, Step.STOP), (A, SUSP, Step.STOP),
    (A, PAUSED, Step.SAVE), (A, NONE, Step.SAVE),
    (ST, RUN, Step.STOP), (ST, PAUSED, Step.STOP), (ST, SUSP, Step.STOP),
    (ST, OFF, Step.SAVE), (ST, NONE, Step.SAVE), (ST, CRASH, Step.SAVE),
    (P, OFF, Step.STOP), (P, CRASH, Step.STOP), (P, RUN, Step.SAVE),
    (SU, RUN, Step.SAVE), (E, OFF, Step.SAVE), (states.RESCUED, OFF, Step.SAVE),
    (states.BUILDING, OFF, Step.SAVE),
])
def test_plan_follows_novas_rules(vm_state, power, step):
    assert power_sync.plan(vm_state, power) is step


def test_power_state_is_copied_and_a_paused_active_guest_left_alone(stack, sync):
    instance = stack.make_instance()
    _guest(stack, instance, PAUSED)
    assert sync.sync_instance(instance['uuid']) is Step.SAVE
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (A, None, PAUSED)
    assert stack.notifier.sent == []


def test_active_instance_whose_guest_shut_down_is_stopped_with_a_stop_action(stack, sync):
    instance = stack.make_instance()
    _guest(stack, instance, OFF)
    assert sync.sync_instance(instance['uuid']) is Step.STOP
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (S, None, OFF)
    assert stack.notifier.event_types() == ['instance.power_off.start',
                                            'instance.power_off.end']
    with stack.db.transaction() as session:
        action = db_actions.latest_action(session, instance['uuid'])
        events = db_actions.event_list(session, action['id'])
    assert action['action'] == 'stop' and action['user_id'] is None
    assert [(e['event'], e['result']) for e in events] == [('compute_stop_instance', 'Success')]


def test_stopped_instance_whose_guest_runs_is_powered_off(stack, sync):
    instance = stack.make_instance(vm_state=S, power_state=OFF)
    assert sync.sync_instance(instance['uuid']) is Step.STOP
    assert [c.method for c in stack.driver.calls] == ['power_off']
    assert stack.driver.guests[instance['uuid']].power_state == OFF
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (S, None, OFF)


def test_paused_instance_whose_guest_crashed_is_stopped(stack, sync):
    instance = stack.make_instance(vm_state=P, power_state=PAUSED)
    _guest(stack, instance, CRASH)
    assert sync.sync_instance(instance['uuid']) is Step.STOP
    assert stack.get(instance['uuid'])['vm_state'] == S


def test_suspended_instance_only_gets_its_power_state(stack, sync):
    instance = stack.make_instance(vm_state=SU, power_state=SUSP)
    _guest(stack, instance, OFF)
    assert sync.sync_instance(instance['uuid']) is Step.SAVE
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['power_state']) == (SU, OFF)
    assert stack.driver.calls == []


@pytest.mark.parametrize('task_state', [states.REBOOT_STARTED_HARD, states.POWERING_ON,
                                        states.DELETING])
def test_instance_with_a_task_in_progress_is_skipped(stack, sync, task_state):
    instance = stack.make_instance()
    stack.set_task_state(instance['uuid'], task_state)
    _guest(stack, instance, OFF)
    assert sync.sync_instance(instance['uuid']) is None
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (A, task_state, RUN)
    assert stack.driver.calls == []


def test_a_task_that_starts_after_the_read_is_never_touched(stack, sync):
    instance = stack.make_instance()
    _guest(stack, instance, OFF)
    read = stack.conductor.instance_get

    def read_then_the_api_starts_a_reboot(context, uuid):
        found = read(context, uuid)
        stack.set_task_state(uuid, states.REBOOTING_HARD)
        return found
    stack.conductor.instance_get = read_then_the_api_starts_a_reboot
    assert sync.sync_instance(instance['uuid']) is None
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['power_state']) == (
        A, states.REBOOTING_HARD, RUN)
    assert stack.driver.calls == [] and stack.notifier.sent == []


def test_deleted_instance_is_skipped(stack, sync):
    instance = stack.make_instance()
    with stack.db.transaction() as session:
        local_stack.db_instances.soft_delete(session, instance['uuid'])
    assert sync.sync_instance(instance['uuid']) is None


def test_sync_all_queues_the_idle_instances_that_look_out_of_sync(stack, sync):
    in_sync, paused, off, busy = (stack.make_instance() for _ in range(4))
    _guest(stack, paused, PAUSED)
    _guest(stack, off, OFF)
    _guest(stack, busy, OFF)
    stack.set_task_state(busy['uuid'], states.REBOOTING_HARD)
    assert sorted(sync.sync_all()) == sorted([paused['uuid'], off['uuid']])
    assert sorted(sync.queue.submitted) == sorted([paused['uuid'], off['uuid']])
    assert stack.get(off['uuid'])['vm_state'] == S
    assert stack.get(in_sync['uuid'])['power_state'] == RUN


def test_stopped_instance_whose_guest_runs_is_out_of_sync_even_if_the_db_agrees(stack, sync):
    instance = stack.make_instance(vm_state=S, power_state=RUN)
    assert sync.sync_all() == [instance['uuid']]
    assert stack.driver.guests[instance['uuid']].power_state == OFF


def test_event_syncs_at_once_unless_an_operation_runs(stack, sync):
    instance = stack.make_instance()
    _guest(stack, instance, OFF)
    sync.queue.busy_uuids.add(instance['uuid'])
    sync.handle_event(instance['uuid'], OFF)
    assert sync.queue.submitted == []
    sync.queue.busy_uuids.clear()
    sync.handle_event(instance['uuid'], OFF)
    assert sync.queue.submitted == [instance['uuid']]
    assert stack.get(instance['uuid'])['vm_state'] == S


def test_shutdown_event_is_delayed_and_dropped_when_the_guest_comes_back(stack, sync):
    stack.conf.set_override('lifecycle_event_delay', 30)
    instance = stack.make_instance()
    sync.handle_event(instance['uuid'], OFF)
    assert sync.queue.submitted == []
    sync.handle_event(instance['uuid'], RUN)
    assert sync.queue.submitted == [instance['uuid']]
    assert sync._timers == {}


def test_delayed_shutdown_event_syncs_after_the_delay(stack, sync):
    stack.conf.set_override('lifecycle_event_delay', 0.05)
    instance = stack.make_instance()
    _guest(stack, instance, OFF)
    done = threading.Event()
    queue_submit = sync.queue.submit

    def submit(*args, **kwargs):
        queue_submit(*args, **kwargs)
        done.set()
    sync.queue.submit = submit
    sync.handle_event(instance['uuid'], OFF)
    assert done.wait(10)
    assert stack.get(instance['uuid'])['vm_state'] == S


def test_periodic_task_runs_every_interval(stack):
    stack.conf.set_override('sync_power_state_interval', 1)
    syncer = power_sync.PowerStateSync(stack.conf, stack.manager, InlineQueue())
    ran = threading.Event()
    syncer.sync_all = ran.set
    syncer.start()
    try:
        assert ran.wait(10)
    finally:
        syncer.stop()


def test_first_periodic_sync_is_jittered_within_the_interval(stack, monkeypatch):
    """Computes started together do not all sync in the same second: the first run comes
    after common.jitter's random part of the interval, the next ones every interval."""
    stack.conf.set_override('sync_power_state_interval', 3600)
    asked = []
    monkeypatch.setattr(jitter, 'first_delay', lambda interval: asked.append(interval) or 0.05)
    syncer = power_sync.PowerStateSync(stack.conf, stack.manager, InlineQueue())
    ran = threading.Event()
    syncer.sync_all = ran.set
    syncer.start()
    try:
        assert ran.wait(10)     # long before the 3600 s interval
        assert asked == [3600]
    finally:
        syncer.stop()


def test_interval_zero_disables_the_periodic_task(stack):
    stack.conf.set_override('sync_power_state_interval', 0)
    syncer = power_sync.PowerStateSync(stack.conf, stack.manager, InlineQueue())
    syncer.start()
    assert syncer._thread is None
