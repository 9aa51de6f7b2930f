"""Every compute operation carries the decorator stack, in STYLE.md's order."""

import pytest

from cepheid.compute import actions
from cepheid.compute import endpoint
from cepheid.compute import manager

STACK = ['wrap_exception', 'reverts_task_state', 'wrap_instance_event', 'wrap_instance_fault']

OPERATIONS = ['reboot_instance', 'build_and_run_instance', 'terminate_instance',
              'rebuild_instance', 'set_admin_password']
# Read-only calls without a task, an event or a fault (as Nova's get_console_output).
READS = ['get_console_output']


@pytest.mark.parametrize('name', OPERATIONS)
def test_operation_carries_the_stack_in_order(name):
    assert getattr(manager.ComputeManager, name).cepheid_stack == STACK


@pytest.mark.parametrize('method', sorted(actions.TABLE_ACTIONS_BY_METHOD))
def test_table_operations_carry_the_stack(method):
    assert manager._TABLE_OPERATIONS[method].cepheid_stack == STACK


def test_every_rpc_endpoint_method_maps_to_an_operation():
    public = {n for n in vars(endpoint.ComputeEndpoint)
              if not n.startswith('_') and n != 'target'}
    assert public == set(OPERATIONS) | set(READS) | set(actions.TABLE_ACTIONS_BY_METHOD)
