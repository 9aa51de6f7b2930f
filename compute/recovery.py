"""Start-up recovery: finish what a compute restart interrupted, as Nova's init_host does.

Per instance with a task in progress: a reboot that was pending, or started but whose guest
is not running, is retried (soft becomes hard when the guest is off); a started reboot whose
guest runs is cleared; a power action (stop, pause, ...) whose guest already reached its
power state is finished, else retried; a delete is retried. A reboot only *requested* is
left alone: its cast still waits in the durable queue and arrives once the RPC server
starts (the api watchdog covers a lost one). Retries reuse the request id of the
instance's newest action, so events attach to it and a redelivered cast of that request
becomes a no-op.
"""

import enum

from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.common import states
from cepheid.compute import actions
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

PENDING = (states.REBOOT_PENDING, states.REBOOT_PENDING_HARD)
STARTED = (states.REBOOT_STARTED, states.REBOOT_STARTED_HARD)


# A power action whose guest already reached this power state only needs its end saved.
_END_POWER_STATE = {states.ACTIVE: states.RUNNING, states.STOPPED: states.SHUTDOWN,
                    states.PAUSED: states.PAUSED_POWER,
                    states.SUSPENDED: states.SUSPENDED_POWER,
                    states.SOFT_DELETED: states.SHUTDOWN}
# Unrescue and rescue are left out: a running guest may still be the rescue one. Like
# rebuild, they are left to the api watchdog, which re-sends them.
_POWER_BY_TASK = {spec.task_state: spec for spec in actions.POWER_ACTIONS_BY_METHOD.values()
                  if spec.error_vm_state is None and spec.task_state is not None}


class Step(enum.Enum):
    RETRY_SOFT = 'SOFT'
    RETRY_HARD = 'HARD'
    CLEAR = 'clear'
    DELETE = 'delete'
    RETRY_POWER = 'retry power action'
    FINISH_POWER = 'finish power action'
    LEAVE = 'leave'


def plan(task_state, power_state):
    """What recovery does with an instance in ``task_state`` whose guest is ``power_state``."""
    running = power_state == states.RUNNING
    if task_state in PENDING or (task_state in STARTED and not running):
        if running and task_state in states.SOFT_REBOOT_STATES:
            return Step.RETRY_SOFT
        return Step.RETRY_HARD
    if task_state in STARTED:
        return Step.CLEAR
    if task_state == states.DELETING:
        return Step.DELETE
    spec = _POWER_BY_TASK.get(task_state)
    if spec is not None:
        if power_state == _END_POWER_STATE.get(spec.end_vm_state):
            return Step.FINISH_POWER
        return Step.RETRY_POWER
    return Step.LEAVE


def owner_context(instance, request_id):
    """An admin context acting for the instance's owner, under the interrupted request's id."""
    kwargs = {'user_id': instance['user_id'], 'project_id': instance['project_id'],
              'roles': ['admin'], 'is_admin': True, 'overwrite': False}
    if request_id:
        kwargs['request_id'] = request_id
    return cep_context.RequestContext(**kwargs)


def recover(manager, queue, *, skip=()):
    """Queue the retries for this host's interrupted tasks; return {uuid: Step}.
    ``skip``: instances evacuated from this host (compute/evacuation_cleanup.py)."""
    admin = cep_context.get_admin_context()
    done = {}
    for item in manager.conductor.instances_for_recovery(admin):
        instance, request_id = item['instance'], item['request_id']
        if instance['uuid'] in skip:
            continue
        step = plan(instance['task_state'], manager.get_power_state(instance))
        done[instance['uuid']] = step
        LOG.info('Recovery of %s in %s: %s', instance['uuid'], instance['task_state'],
                 step.name)
        try:
            _apply(manager, queue, owner_context(instance, request_id), instance, step)
        except Exception:
            LOG.exception('Recovery of %s failed', instance['uuid'])
    return done


def _apply(manager, queue, context, instance, step):
    if step in (Step.RETRY_SOFT, Step.RETRY_HARD):
        reboot_type = step.value
        requested = states.REBOOT_STEPS[reboot_type][0]
        if instance['task_state'] not in states.REBOOT_STEPS[reboot_type]:
            instance = manager.conductor.task_update(
                context, instance['uuid'], values={'task_state': requested},
                expected_task_state=[instance['task_state']])
        queue.submit(instance['uuid'], decorators.run_operation, manager.reboot_instance,
                     context, instance, reboot_type=reboot_type)
    elif step is Step.CLEAR:
        manager.conductor.task_finish(
            context, instance['uuid'], event='compute_reboot_instance', result='Success',
            values={'task_state': None, 'vm_state': states.ACTIVE,
                    'power_state': states.RUNNING},
            expected_task_state=[instance['task_state']])
    elif step is Step.DELETE:
        queue.submit(instance['uuid'], decorators.run_operation, manager.terminate_instance,
                     context, instance)
    elif step is Step.RETRY_POWER:
        spec = _POWER_BY_TASK[instance['task_state']]
        queue.submit(instance['uuid'], decorators.run_operation, manager.run_power_action,
                     context, instance, rpc_method=spec.rpc_method)
    elif step is Step.FINISH_POWER:
        spec = _POWER_BY_TASK[instance['task_state']]
        manager.conductor.task_finish(
            context, instance['uuid'], event=f'compute_{spec.rpc_method}', result='Success',
            values={'task_state': None, 'vm_state': spec.end_vm_state,
                    'power_state': _END_POWER_STATE[spec.end_vm_state]},
            expected_task_state=[instance['task_state']])
