"""POST /servers/{id}/action: a table of actions, one guarded dispatcher.

Every action runs the same recipe: the body names exactly one known action (400; one of a
later microversion: 404) → the instance exists for the caller (404) → policy (403) → the
action's schema (400) → the compute API, which raises InstanceIsLocked /
InstanceInvalidState (409) → 202 without a body, unless the action answers one (rebuild,
rescue, os-getConsoleOutput: see server_guest_actions.py).

Reboot and the table's power actions first try one transaction on the caller's own
instance, the checks in its CAS (owned_action.py); when that does not apply or misses,
the recipe above answers, so the answers are the same.
"""

import dataclasses
import functools
from collections.abc import Callable

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.handlers import admin_actions
from cepheid.api.handlers import evacuate
from cepheid.api.handlers import move_actions
from cepheid.api.handlers import owned_action
from cepheid.api.handlers import server_guest_actions as guest
from cepheid.api.policies import admin_actions as admin_policies
from cepheid.api.policies import server_actions as action_policies
from cepheid.api.policies import servers as server_policies
from cepheid.api.schemas import server_actions as schemas
from cepheid.common import exception

LOCK = action_policies.LOCK


@dataclasses.dataclass(frozen=True)
class Action:
    policy: str
    # perform(compute_api, context, instance, body_value) -> None (202, no body) or a
    # response; the body matches its schema (schemas.by_action), so a lock value is null
    # or an object.
    perform: Callable
    # owned(compute_api, context, uuid, body_value) -> bool: the action begun on the
    # caller's own instance with the checks in its CAS (owned_action.py); None: no such
    # path, the full one always runs.
    owned: Callable | None = None


def _reboot(compute_api, context, instance, value):
    compute_api.reboot(context, instance, value['type'].upper())


def _lock(compute_api, context, instance, value):
    # Before 2.73 the schema refuses a locked_reason, so there is none to read.
    reason = (value or {}).get('locked_reason')
    compute_api.lock(context, instance, reason=reason)


def is_expected_locked_by(context, instance):
    """False when the lock is held by the other side: the owner's project vs. an admin."""
    expected = 'owner' if context.project_id == instance['project_id'] else 'admin'
    locked_by = instance.get('locked_by')
    return not locked_by or locked_by == expected


def _unlock(compute_api, context, instance, value):
    if not is_expected_locked_by(context, instance):
        helpers.authorize(LOCK % 'unlock:unlock_override', helpers.instance_target(instance))
    compute_api.unlock(context, instance)


def _power(compute_api, context, instance, value, *, name):
    compute_api.power_action(context, instance, name)


def _power_action(policy, name):
    """An entry for one of the compute API's table-driven power actions."""
    return Action(policy, functools.partial(_power, name=name), owned_action.power(name))


ACTIONS = {
    'reboot': Action(server_policies.SERVERS % 'reboot', _reboot, owned_action.reboot),
    'os-start': _power_action(server_policies.SERVERS % 'start', 'os-start'),
    'os-stop': _power_action(server_policies.SERVERS % 'stop', 'os-stop'),
    'lock': Action(LOCK % 'lock', _lock),
    'unlock': Action(LOCK % 'unlock', _unlock),
    'pause': _power_action(action_policies.PAUSE % 'pause', 'pause'),
    'unpause': _power_action(action_policies.PAUSE % 'unpause', 'unpause'),
    'suspend': _power_action(action_policies.SUSPEND % 'suspend', 'suspend'),
    'resume': _power_action(action_policies.SUSPEND % 'resume', 'resume'),
    'os-resetState': Action(admin_policies.ADMIN_ACTIONS % 'reset_state',
                            admin_actions.reset_state),
    'injectNetworkInfo': Action(admin_policies.ADMIN_ACTIONS % 'inject_network_info',
                                admin_actions.inject_network_info),
    'migrate': Action(admin_policies.MIGRATE % 'migrate', move_actions.migrate),
    'evacuate': Action(admin_policies.EVACUATE, evacuate.evacuate),
    'os-migrateLive': Action(admin_policies.MIGRATE % 'migrate_live',
                             move_actions.live_migrate),
    'resize': Action(server_policies.SERVERS % 'resize', move_actions.resize),
    'confirmResize': Action(server_policies.SERVERS % 'confirm_resize',
                            move_actions.confirm_resize),
    'revertResize': Action(server_policies.SERVERS % 'revert_resize',
                           move_actions.revert_resize),
    'restore': Action(admin_policies.DEFERRED_DELETE % 'restore', admin_actions.restore),
    'forceDelete': Action(admin_policies.DEFERRED_DELETE % 'force', admin_actions.force_delete),
    'unrescue': _power_action(action_policies.UNRESCUE, 'unrescue'),
    'trigger_crash_dump': _power_action(server_policies.SERVERS % 'trigger_crash_dump',
                                        'trigger_crash_dump'),
    'rescue': Action(action_policies.RESCUE, guest.rescue),
    'rebuild': Action(server_policies.SERVERS % 'rebuild', guest.rebuild),
    'changePassword': Action(action_policies.ADMIN_PASSWORD, guest.change_password),
    'os-getConsoleOutput': Action(action_policies.CONSOLE_OUTPUT, guest.console_output),
}


def _action_name(body):
    if not isinstance(body, dict) or len(body) != 1:
        raise exception.MalformedRequestBody()
    name = next(iter(body))
    if name not in ACTIONS:
        raise exception.ValidationError(detail=f'There is no such action: {name}')
    minimum = schemas.MIN_VERSIONS.get(name)
    if minimum is not None and helpers.version() < minimum:
        raise exception.NotFound('The resource could not be found.')
    return name


def action(server_id):
    body = helpers.json_body()
    name = _action_name(body)
    spec = ACTIONS[name]
    response = owned_action.attempt(server_id, name, spec, body)
    if response is not None:
        return response
    instance = helpers.load_instance(server_id)
    helpers.authorize(spec.policy, helpers.instance_target(instance))
    validation.validate(schemas.by_action(helpers.version())[name], body)
    response = spec.perform(helpers.services().compute_api, helpers.context(), instance,
                            body[name])
    return response if response is not None else flask.Response(status=202)
