"""compute.api guards, before any state change: lock, vm_state, task_state, launched."""

import pytest

from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import api as compute_api


class NoStore:
    """A guard that passes would reach the store: these tests must never get there."""

    def begin_task(self, *args, **kwargs):
        raise AssertionError('the guard let the request through')


def _instance(**values):
    base = dict(uuid='u-1', project_id='p', locked=False, vm_state=states.ACTIVE,
                task_state=None, launched_at='2026-01-01T00:00:00', host='h')
    base.update(values)
    return base


MEMBER = cep_context.RequestContext(user_id='u', project_id='p', roles=['member'])


@pytest.mark.parametrize('reboot_type', ['SOFT', 'HARD'])
def test_reboot_of_a_never_launched_instance_is_refused(reboot_type):
    api = compute_api.ComputeAPI(NoStore())
    with pytest.raises(exception.InstanceInvalidState):
        api.reboot(MEMBER, _instance(launched_at=None, vm_state=states.ERROR), reboot_type)


def test_locked_instance_is_refused_for_a_member_before_its_state():
    api = compute_api.ComputeAPI(NoStore())
    with pytest.raises(exception.InstanceIsLocked):
        api.reboot(MEMBER, _instance(locked=True, vm_state=states.STOPPED), 'SOFT')


def test_hard_reboot_in_a_hard_reboot_state_names_the_task_state():
    api = compute_api.ComputeAPI(NoStore())
    with pytest.raises(exception.InstanceInvalidState) as err:
        api.reboot(MEMBER, _instance(task_state=states.REBOOT_STARTED_HARD), 'HARD')
    assert err.value.format_message() == (
        "Cannot 'reboot' instance u-1 while it is in task_state reboot_started_hard")
