"""Which dashboard buttons the caller may press on an instance, and why not.

The same checks the REST API makes, in its order: policy (oslo.policy for this caller and
the instance's project) → lock (non-admins) → the action's allowed states (the compute
API's table), so a greyed-out button is a request the API would refuse.
"""

import dataclasses

from cepheid.api import policy
from cepheid.api.handlers import server_actions
from cepheid.common import exception
from cepheid.compute import actions
from cepheid.compute import api as compute_api


@dataclasses.dataclass(frozen=True)
class Button:
    name: str       # the button's id in the page
    label: str
    body: dict      # the POST /servers/{id}/action body it sends
    spec: actions.ActionSpec | None = None   # state rules; None for lock/unlock
    method: str = ''                          # the method named in a state refusal


BUTTONS = (
    Button('reboot_soft', 'Reboot (soft)', {'reboot': {'type': 'SOFT'}},
           actions.REBOOT['SOFT'], 'reboot'),
    Button('reboot_hard', 'Reboot (hard)', {'reboot': {'type': 'HARD'}},
           actions.REBOOT['HARD'], 'reboot'),
    Button('stop', 'Stop', {'os-stop': None}, actions.POWER_ACTIONS['os-stop'], 'stop'),
    Button('start', 'Start', {'os-start': None}, actions.POWER_ACTIONS['os-start'], 'start'),
    Button('lock', 'Lock', {'lock': {'locked_reason': ''}}),
    Button('unlock', 'Unlock', {'unlock': None}),
)
_ACTION_OF = {'reboot_soft': 'reboot', 'reboot_hard': 'reboot', 'stop': 'os-stop',
              'start': 'os-start', 'lock': 'lock', 'unlock': 'unlock'}


def _target(instance):
    return {'project_id': instance['project_id'], 'user_id': instance['user_id']}


def _lock_refusal(context, instance, button, allowed):
    if button.name == 'lock':
        return 'already locked' if instance['locked'] else None
    if not instance['locked']:
        return 'not locked'
    db_like = dict(instance, locked_by=instance.get('locked_by'))
    if (not server_actions.is_expected_locked_by(context, db_like)
            and not allowed(server_actions.LOCK % 'unlock:unlock_override')):
        return f"locked by {instance.get('locked_by')}: only an admin may unlock"
    return None


def _state_refusal(context, instance, button):
    row = dict(instance, launched_at=True if instance['launched'] else None)
    try:
        compute_api.check_instance_lock(context, row)
        compute_api.check_instance_state(row, button.spec, button.method)
    except exception.InstanceIsLocked:
        return f"locked: {instance.get('locked_reason') or 'no reason given'}"
    except exception.InstanceInvalidState as exc:
        return exc.format_message()
    return None


def refusal(context, instance, button, *, enforcer):
    """Why ``context`` may not press ``button`` on ``instance`` (a summary), or None."""
    def allowed(rule):
        return policy.check(context, rule, _target(instance), enforcer=enforcer)

    rule = server_actions.ACTIONS[_ACTION_OF[button.name]].policy
    if not allowed(rule):
        return f'not allowed by policy {rule}'
    if button.spec is None:
        return _lock_refusal(context, instance, button, allowed)
    return _state_refusal(context, instance, button)


def buttons(context, instance, *, enforcer):
    """``{name: None | reason}`` for every button: None means enabled."""
    return {b.name: refusal(context, instance, b, enforcer=enforcer) for b in BUTTONS}


def describe():
    """The buttons as the page builds them: name, label and request body."""
    return [{'name': b.name, 'label': b.label, 'body': b.body} for b in BUTTONS]
