"""Instance states (Nova's string values) and the REST status derived from them."""

# vm_state
ACTIVE = 'active'
BUILDING = 'building'
PAUSED = 'paused'
SUSPENDED = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
ERROR = 'error'
DELETED = 'deleted'
SOFT_DELETED = 'soft-delete'   # deleted with [DEFAULT] reclaim_instance_interval > 0
RESIZED = 'resized'            # a resize or cold migration waits for confirm or revert

# task_state
REBOOTING = 'rebooting'
REBOOT_PENDING = 'reboot_pending'
REBOOT_STARTED = 'reboot_started'
REBOOTING_HARD = 'rebooting_hard'
REBOOT_PENDING_HARD = 'reboot_pending_hard'
REBOOT_STARTED_HARD = 'reboot_started_hard'
POWERING_ON = 'powering-on'
POWERING_OFF = 'powering-off'
PAUSING = 'pausing'
UNPAUSING = 'unpausing'
SUSPENDING = 'suspending'
RESUMING = 'resuming'
DELETING = 'deleting'
SPAWNING = 'spawning'
SOFT_DELETING = 'soft-deleting'
RESTORING = 'restoring'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'
RESCUING = 'rescuing'
UNRESCUING = 'unrescuing'
UPDATING_PASSWORD = 'updating_password'
RESIZE_PREP = 'resize_prep'
RESIZE_MIGRATING = 'resize_migrating'
RESIZE_MIGRATED = 'resize_migrated'
RESIZE_FINISH = 'resize_finish'
RESIZE_REVERTING = 'resize_reverting'
RESIZE_CONFIRMING = 'resize_confirming'
MIGRATING = 'migrating'     # a live migration

# A resize's (or cold migration's) task_state steps, in order (Nova's).
RESIZE_STATES = (RESIZE_PREP, RESIZE_MIGRATING, RESIZE_MIGRATED, RESIZE_FINISH)

SOFT_REBOOT_STATES = (REBOOTING, REBOOT_PENDING, REBOOT_STARTED)
HARD_REBOOT_STATES = (REBOOTING_HARD, REBOOT_PENDING_HARD, REBOOT_STARTED_HARD)
REBOOT_STATES = SOFT_REBOOT_STATES + HARD_REBOOT_STATES

# A rebuild's task_state steps, in order (Nova's _rebuild_default_impl).
REBUILD_STATES = (REBUILDING, REBUILD_BLOCK_DEVICE_MAPPING, REBUILD_SPAWNING)

# The task_state steps of a reboot, per type: (requested, pending, started).
REBOOT_STEPS = {
    'SOFT': SOFT_REBOOT_STATES,
    'HARD': HARD_REBOOT_STATES,
}

# Soft reboot: vm_state active, no task in progress.
ALLOW_SOFT_REBOOT_VM = (ACTIVE,)
ALLOW_SOFT_REBOOT_TASK = (None,)
# Hard reboot: a wider set, so a stuck soft reboot can be overridden.
ALLOW_HARD_REBOOT_VM = (ACTIVE, STOPPED, PAUSED, SUSPENDED, ERROR)
ALLOW_HARD_REBOOT_TASK = (None, REBOOTING, REBOOT_PENDING, REBOOT_STARTED,
                          REBOOTING_HARD, RESUMING, UNPAUSING, PAUSING, SUSPENDING)

# power_state
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED_POWER = 7

POWER_STATE_NAMES = {
    NOSTATE: 'pending',
    RUNNING: 'running',
    PAUSED_POWER: 'paused',
    SHUTDOWN: 'shutdown',
    CRASHED: 'crashed',
    SUSPENDED_POWER: 'suspended',
}

_VM_STATE_TO_STATUS = {
    ACTIVE: 'ACTIVE',
    BUILDING: 'BUILD',
    STOPPED: 'SHUTOFF',
    PAUSED: 'PAUSED',
    SUSPENDED: 'SUSPENDED',
    RESCUED: 'RESCUE',
    ERROR: 'ERROR',
    DELETED: 'DELETED',
    SOFT_DELETED: 'SOFT_DELETED',
    RESIZED: 'VERIFY_RESIZE',
}
# Every vm_state.
VM_STATES = tuple(_VM_STATE_TO_STATUS)

_ACTIVE_TASK_TO_STATUS = dict.fromkeys(SOFT_REBOOT_STATES, 'REBOOT')
_ACTIVE_TASK_TO_STATUS.update(dict.fromkeys(HARD_REBOOT_STATES, 'HARD_REBOOT'))
_ACTIVE_TASK_TO_STATUS.update(dict.fromkeys(REBUILD_STATES, 'REBUILD'))
_ACTIVE_TASK_TO_STATUS[UPDATING_PASSWORD] = 'PASSWORD'
_ACTIVE_TASK_TO_STATUS.update(dict.fromkeys(RESIZE_STATES, 'RESIZE'))
_ACTIVE_TASK_TO_STATUS[MIGRATING] = 'MIGRATING'
# Nova's _STATE_MAP: a rebuild also shows REBUILD from stopped and error, a resize RESIZE
# from stopped; a resized server is VERIFY_RESIZE, REVERT_RESIZE while reverting.
_TASK_TO_STATUS = {
    ACTIVE: _ACTIVE_TASK_TO_STATUS,
    STOPPED: {**dict.fromkeys(REBUILD_STATES, 'REBUILD'),
              **dict.fromkeys(RESIZE_STATES, 'RESIZE')},
    ERROR: dict.fromkeys(REBUILD_STATES, 'REBUILD'),
    RESIZED: {RESIZE_REVERTING: 'REVERT_RESIZE'},
    PAUSED: {MIGRATING: 'MIGRATING'},
}


def status_from_state(vm_state, task_state=None):
    """Return the REST ``status`` for a vm_state/task_state pair, as Nova does."""
    by_task = _TASK_TO_STATUS.get(vm_state, {})
    if task_state in by_task:
        return by_task[task_state]
    return _VM_STATE_TO_STATUS.get(vm_state, 'UNKNOWN')


def vm_states_for_status(status):
    """Return the vm_states a REST ``status`` filter selects (empty if unknown)."""
    status = status.upper()
    if status in ('REBOOT', 'HARD_REBOOT', 'PASSWORD'):
        return [ACTIVE]
    if status == 'REBUILD':
        return [ACTIVE, STOPPED, ERROR]
    if status == 'RESIZE':
        return [ACTIVE, STOPPED]
    if status == 'REVERT_RESIZE':
        return [RESIZED]
    if status == 'MIGRATING':
        return [ACTIVE, PAUSED]
    return [vm for vm, st in _VM_STATE_TO_STATUS.items() if st == status]


def task_states_for_status(status):
    """Return the task_states a REST ``status`` filter requires, or None for any."""
    status = status.upper()
    if status == 'REBOOT':
        return list(SOFT_REBOOT_STATES)
    if status == 'HARD_REBOOT':
        return list(HARD_REBOOT_STATES)
    if status == 'REBUILD':
        return list(REBUILD_STATES)
    if status == 'PASSWORD':
        return [UPDATING_PASSWORD]
    if status == 'RESIZE':
        return list(RESIZE_STATES)
    if status == 'REVERT_RESIZE':
        return [RESIZE_REVERTING]
    if status == 'MIGRATING':
        return [MIGRATING]
    return None


def owned_task_states(requested):
    """The task_states an operation that was requested with ``requested`` may leave behind."""
    for steps in (*REBOOT_STEPS.values(), REBUILD_STATES, RESIZE_STATES):
        if requested in steps:
            return list(steps)
    return [requested]
