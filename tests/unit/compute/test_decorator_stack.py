"""Every compute operation carries the decorator stack, in STYLE.md's order."""

import pytest

from cepheid.compute import actions
from cepheid.compute import endpoint
from cepheid.compute import manager

STACK = ['wrap_exception', 'reverts_task_state', 'wrap_instance_event', 'wrap_instance_fault']

OPERATIONS = ['reboot_instance', 'build_and_run_instance', 'terminate_instance',
              'rebuild_instance', 'set_admin_password', *endpoint.MOVE_STEPS,
              'live_migration', 'recover_live_migration']
# Read-only calls without a task, an event or a fault (as Nova's get_console_output,
# get_diagnostics, get_instance_diagnostics and get_host_uptime).
READS = ['get_console_output', 'get_diagnostics', 'get_instance_diagnostics',
         'get_host_uptime']
# os-server-external-events: a dispatcher (as Nova's external_instance_event) whose
# operations record their action event (and power_update its fault; it clears the task it
# set itself on a failure). No wrap_exception: which notification depends on the event.
DISPATCHERS = ['external_instance_event']
# The outbox's batch of casts for one host (1.8): each item goes to its own method above.
BATCHES = ['run_casts']
EVENT_OPERATIONS = {'power_update': ['wrap_instance_event', 'wrap_instance_fault'],
                    'extend_volume': ['wrap_instance_event']}
# A live migration's steps on the destination, calls of the source: their event and fault
# recorded, the exception raised back to the source, which rolls back (no task revert).
LIVE_CALLS = sorted(endpoint.LIVE_CALLS)
# Its abort and force-complete: signals to the copy running on the source, which record
# their own event and fault and never touch the task (the live migration owns it).
LIVE_SIGNALS = sorted(endpoint.LIVE_SIGNALS)


@pytest.mark.parametrize('name', OPERATIONS)
def test_operation_carries_the_stack_in_order(name):
    assert getattr(manager.ComputeManager, name).cepheid_stack == STACK


@pytest.mark.parametrize('method', sorted(actions.TABLE_ACTIONS_BY_METHOD))
def test_table_operations_carry_the_stack(method):
    assert manager._TABLE_OPERATIONS[method].cepheid_stack == STACK


def test_every_rpc_endpoint_method_maps_to_an_operation():
    public = {n for n in vars(endpoint.ComputeEndpoint)
              if not n.startswith('_') and n != 'target'}
    assert public == ((set(OPERATIONS) - {'recover_live_migration'}) | set(READS)
                      | set(DISPATCHERS) | set(BATCHES)
                      | set(actions.TABLE_ACTIONS_BY_METHOD)
                      | set(LIVE_CALLS) | set(LIVE_SIGNALS))


@pytest.mark.parametrize('name', LIVE_CALLS)
def test_live_migration_destination_calls_record_event_and_fault(name):
    assert getattr(manager.ComputeManager, name).cepheid_stack == [
        'wrap_instance_event', 'wrap_instance_fault']


@pytest.mark.parametrize('name', sorted(EVENT_OPERATIONS))
def test_external_event_operations_record_their_event(name):
    assert getattr(manager.ComputeManager, name).cepheid_stack == EVENT_OPERATIONS[name]


def test_evacuation_carries_the_stack_in_order():
    # Queued by rebuild_instance(recreate=True) on the destination.
    assert manager.ComputeManager.evacuate_instance.cepheid_stack == STACK
