"""The table of instance actions: allowed states, task states, RPC method, names.

One entry per action; the api side guards and casts from it, the compute side runs it.
Reboot's states depend on its type, so it has one entry per type.
"""

import dataclasses

from cepheid.common import states

ANY_TASK_BUT_DELETING = (None, *states.REBOOT_STATES, states.POWERING_ON, states.POWERING_OFF,
                         states.PAUSING, states.UNPAUSING, states.SUSPENDING,
                         states.RESUMING, states.SPAWNING, *states.REBUILD_STATES,
                         states.RESCUING, states.UNRESCUING, states.UPDATING_PASSWORD,
                         *states.RESIZE_STATES, states.RESIZE_REVERTING)


@dataclasses.dataclass(frozen=True)
class ActionSpec:
    action: str                 # instance action name recorded in the DB ('reboot', 'stop')
    rpc_method: str             # compute RPC method; its event is 'compute_<rpc_method>'
    vm_states: tuple            # vm_states the API accepts
    task_states: tuple          # task_states the API accepts (None = no task)
    task_state: str             # task_state set by the API before the cast
    notification: str           # versioned event prefix: instance.<notification>.start
    driver_call: str | None = None        # driver method run by the compute
    end_vm_state: str | None = None       # vm_state after success (None: unchanged)
    needs_launched: bool = False
    error_vm_state: str | None = None     # vm_state when the driver call fails (None: the
    #                                       decorators revert the task_state only)
    driver_args: tuple = ()               # keyword arguments the cast carries to the driver
    payload_args: tuple = ()              # those of them the versioned payload carries
    sets_launched_at: bool = False        # success stamps launched_at (Nova's rescue)


SOFT_REBOOT = ActionSpec(
    action='reboot', rpc_method='reboot_instance', vm_states=states.ALLOW_SOFT_REBOOT_VM,
    task_states=states.ALLOW_SOFT_REBOOT_TASK, task_state=states.REBOOTING,
    notification='reboot', end_vm_state=states.ACTIVE, needs_launched=True)

HARD_REBOOT = ActionSpec(
    action='reboot', rpc_method='reboot_instance', vm_states=states.ALLOW_HARD_REBOOT_VM,
    task_states=states.ALLOW_HARD_REBOOT_TASK, task_state=states.REBOOTING_HARD,
    notification='reboot', end_vm_state=states.ACTIVE, needs_launched=True)

REBOOT = {'SOFT': SOFT_REBOOT, 'HARD': HARD_REBOOT}

DELETE = ActionSpec(
    action='delete', rpc_method='terminate_instance',
    vm_states=(states.ACTIVE, states.BUILDING, states.STOPPED, states.PAUSED,
               states.SUSPENDED, states.RESCUED, states.ERROR, states.RESIZED),
    # As Nova, a live-migrating server may be deleted too (its copy is aborted, see
    # api/db/delete_store.py); a soft delete of one still waits for the move.
    task_states=(*ANY_TASK_BUT_DELETING, states.MIGRATING), task_state=states.DELETING,
    notification='delete', driver_call='destroy', end_vm_state=states.DELETED)

# Simple power actions: API guard → task_state → cast → driver call → end vm_state.
# Allowed states are Nova's compute API ``check_instance_state`` decorators: task_state
# None, the instance launched at least once, and these vm_states. Adding an action is one
# entry here plus its driver method (see README, "Adding an action").
POWER_ACTIONS = {
    'os-start': ActionSpec(
        action='start', rpc_method='start_instance', vm_states=(states.STOPPED,),
        task_states=(None,), task_state=states.POWERING_ON, notification='power_on',
        driver_call='power_on', end_vm_state=states.ACTIVE, needs_launched=True),
    'os-stop': ActionSpec(
        action='stop', rpc_method='stop_instance',
        vm_states=(states.ACTIVE, states.RESCUED, states.ERROR), task_states=(None,),
        task_state=states.POWERING_OFF, notification='power_off',
        driver_call='power_off', end_vm_state=states.STOPPED, needs_launched=True),
    'pause': ActionSpec(
        action='pause', rpc_method='pause_instance',
        vm_states=(states.ACTIVE, states.RESCUED), task_states=(None,),
        task_state=states.PAUSING, notification='pause',
        driver_call='pause', end_vm_state=states.PAUSED, needs_launched=True),
    'unpause': ActionSpec(
        action='unpause', rpc_method='unpause_instance', vm_states=(states.PAUSED,),
        task_states=(None,), task_state=states.UNPAUSING, notification='unpause',
        driver_call='unpause', end_vm_state=states.ACTIVE, needs_launched=True),
    'suspend': ActionSpec(
        action='suspend', rpc_method='suspend_instance', vm_states=(states.ACTIVE,),
        task_states=(None,), task_state=states.SUSPENDING, notification='suspend',
        driver_call='suspend', end_vm_state=states.SUSPENDED, needs_launched=True),
    'resume': ActionSpec(
        action='resume', rpc_method='resume_instance', vm_states=(states.SUSPENDED,),
        task_states=(None,), task_state=states.RESUMING, notification='resume',
        driver_call='resume', end_vm_state=states.ACTIVE, needs_launched=True),
    # Nova's unrescue errors the instance out when the driver fails.
    'unrescue': ActionSpec(
        action='unrescue', rpc_method='unrescue_instance', vm_states=(states.RESCUED,),
        task_states=(None,), task_state=states.UNRESCUING, notification='unrescue',
        driver_call='unrescue', end_vm_state=states.ACTIVE, needs_launched=True,
        error_vm_state=states.ERROR),
}

# Resize and cold migrate (Nova's resize/migrate check_instance_state): the api schedules
# and casts prep_resize to the destination; confirm and revert act on a resized server.
RESIZE = ActionSpec(
    action='resize', rpc_method='prep_resize', vm_states=(states.ACTIVE, states.STOPPED),
    task_states=(None,), task_state=states.RESIZE_PREP, notification='resize_prep')
MIGRATE = dataclasses.replace(RESIZE, action='migrate')
CONFIRM_RESIZE = ActionSpec(
    action='confirmResize', rpc_method='confirm_resize', vm_states=(states.RESIZED,),
    task_states=(None,), task_state=None, notification='resize_confirm')
REVERT_RESIZE = ActionSpec(
    action='revertResize', rpc_method='revert_resize', vm_states=(states.RESIZED,),
    task_states=(None,), task_state=states.RESIZE_REVERTING, notification='resize_revert')

# Live migration (Nova's live_migrate / live_migrate_force_complete check_instance_state;
# an abort only needs the migrating task): the api schedules and casts live_migration to
# the source.
LIVE_MIGRATE = ActionSpec(
    action='live-migration', rpc_method='live_migration',
    vm_states=(states.ACTIVE, states.PAUSED), task_states=(None,),
    task_state=states.MIGRATING, notification='live_migration_pre')
LIVE_MIGRATION_FORCE_COMPLETE = ActionSpec(
    action='live_migration_force_complete', rpc_method='live_migration_force_complete',
    vm_states=(states.ACTIVE,), task_states=(states.MIGRATING,), task_state=states.MIGRATING,
    notification='live_migration_force_complete')
LIVE_MIGRATION_ABORT = ActionSpec(
    action='live_migration_cancel', rpc_method='live_migration_abort',
    vm_states=states.VM_STATES, task_states=(states.MIGRATING,),
    task_state=states.MIGRATING, notification='live_migration_abort')

# Deferred delete ([DEFAULT] reclaim_instance_interval > 0): DELETE powers the guest off and
# keeps it as soft-deleted; the ``restore`` action powers it on again. Same shape as the
# power actions (the compute runs them alike); their REST entries are the DELETE handler
# and the os-deferred-delete actions, not POWER_ACTIONS.
SOFT_DELETE = ActionSpec(
    action='delete', rpc_method='soft_delete_instance',
    vm_states=DELETE.vm_states, task_states=ANY_TASK_BUT_DELETING,
    task_state=states.SOFT_DELETING, notification='soft_delete', driver_call='power_off',
    end_vm_state=states.SOFT_DELETED, needs_launched=True)

RESTORE = ActionSpec(
    action='restore', rpc_method='restore_instance', vm_states=(states.SOFT_DELETED,),
    task_states=(None,), task_state=states.RESTORING, notification='restore',
    driver_call='power_on', end_vm_state=states.ACTIVE)

# Table actions whose REST request carries arguments or leaves vm_state alone; the compute
# runs them exactly like the power actions above (same generated RPC method and operation).
GUEST_ACTIONS = {
    'rescue': ActionSpec(
        action='rescue', rpc_method='rescue_instance',
        vm_states=(states.ACTIVE, states.STOPPED, states.ERROR), task_states=(None,),
        task_state=states.RESCUING, notification='rescue', driver_call='rescue',
        end_vm_state=states.RESCUED, needs_launched=True, error_vm_state=states.ERROR,
        driver_args=('rescue_image_ref', 'rescue_password'), payload_args=('rescue_image_ref',),
        sets_launched_at=True),
    # No task_state: Nova leaves task and power state to what the guest does with the NMI.
    'trigger_crash_dump': ActionSpec(
        action='trigger_crash_dump', rpc_method='trigger_crash_dump',
        vm_states=(states.ACTIVE, states.PAUSED, states.RESCUED, states.ERROR),
        task_states=(None,), task_state=None, notification='trigger_crash_dump',
        driver_call='trigger_crash_dump', needs_launched=True),
}

# Rebuild has its own operation (three task_state steps, a new image); its guard is here.
REBUILD = ActionSpec(
    action='rebuild', rpc_method='rebuild_instance',
    vm_states=(states.ACTIVE, states.STOPPED, states.ERROR), task_states=(None,),
    task_state=states.REBUILDING, notification='rebuild', driver_call='rebuild',
    end_vm_state=states.ACTIVE, needs_launched=True, error_vm_state=states.ERROR)

# changePassword is an RPC *call* (the API answers the driver's refusal), no notification.
CHANGE_PASSWORD = ActionSpec(
    action='changePassword', rpc_method='set_admin_password', vm_states=(states.ACTIVE,),
    task_states=(None,), task_state=states.UPDATING_PASSWORD, notification='set_admin_password',
    driver_call='set_admin_password', needs_launched=True)

TABLE_ACTIONS = {**POWER_ACTIONS, **GUEST_ACTIONS}

# Every table-shaped operation a compute runs, by RPC method.
TABLE_ACTIONS_BY_METHOD = {spec.rpc_method: spec
                           for spec in (*TABLE_ACTIONS.values(), SOFT_DELETE, RESTORE)}
POWER_ACTIONS_BY_METHOD = TABLE_ACTIONS_BY_METHOD   # the older name


def resend_method(task_state):
    """(rpc method, extra kwargs) that redoes ``task_state``'s operation, or None.

    The api watchdog re-sends a stuck task with it.
    """
    for reboot_type, steps in states.REBOOT_STEPS.items():
        if task_state in steps:
            return 'reboot_instance', {'reboot_type': reboot_type}
    for spec in TABLE_ACTIONS_BY_METHOD.values():
        if spec.task_state is not None and spec.task_state == task_state:
            # A re-sent rescue uses the instance's own image and a new password.
            return spec.rpc_method, dict.fromkeys(spec.driver_args)
    if task_state in states.REBUILD_STATES:
        return 'rebuild_instance', {'preserve_ephemeral': False, 'admin_password': None}
    if task_state == states.DELETING:
        return 'terminate_instance', {}
    if task_state == states.SPAWNING:
        return 'build_and_run_instance', {}
    return None
