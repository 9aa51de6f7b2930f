"""Least privilege on the conductor: a compute reports only on its own host's instances,
and only the fields it may change, with JSON-able values."""

import pytest

from cepheid.api import conductor
from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import local_stack


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def test_a_compute_cannot_touch_another_hosts_instance(stack):
    instance = stack.make_instance(host='other-host')
    ctx = stack.context('reboot', instance['uuid'])
    with pytest.raises(exception.HostMismatch):
        stack.conductor.task_update(ctx, instance['uuid'], values={'task_state': None},
                                    expected_task_state=[None])
    assert stack.get(instance['uuid'])['host'] == 'other-host'


@pytest.mark.parametrize('values', [
    {'host': 'elsewhere'}, {'project_id': 'x'}, {'locked': False}, {'deleted': 1}, 'a string',
])
def test_only_state_fields_are_writable_over_rpc(stack, values):
    instance = stack.make_instance()
    ctx = stack.context('reboot', instance['uuid'])
    with pytest.raises(exception.InvalidRPCPayload):
        stack.conductor.task_update(ctx, instance['uuid'], values=values,
                                    expected_task_state=[None])


def test_state_values_are_parsed_from_the_wire(stack):
    instance = stack.make_instance(vm_state=states.ACTIVE)
    ctx = stack.context('reboot', instance['uuid'])
    row = stack.conductor.task_update(
        ctx, instance['uuid'], values={'power_state': '4',
                                       'launched_at': '2026-01-02T03:04:05'},
        expected_task_state=[None])
    assert row['power_state'] == 4 and row['launched_at'].startswith('2026-01-02T03:04:05')


def test_endpoint_is_versioned():
    assert conductor.ConductorEndpoint.target.version.startswith('1.')
