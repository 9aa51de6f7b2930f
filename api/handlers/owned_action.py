"""An action on the caller's own instance in one transaction: the REST checks in its CAS.

The full path of ``POST /servers/{id}/action`` (server_actions.py) reads the instance,
decides the policy on it, validates the body, checks the lock and the state, then swaps
``task_state``: a read transaction and a write one. For the common case (the caller's own
project and user; the instance unlocked, or the caller an admin; in a state the action
accepts) this path gives the same answer with the write alone:

- the policy is decided with the caller's own project and user as its target, which is
  the instance's own target whenever the CAS matches, because the CAS requires that
  project and user (compute/api.py ``_begin_owned``);
- the body is validated against the action's schema;
- the CAS carries the ownership, lock, state and launched checks in its ``WHERE``.

Anything else (a policy that refuses or raises on that target, a body its schema refuses,
a CAS that misses) returns None, with nothing written, and the full path answers: every
error, and its order (404, 403, 400, 409), still comes from one place.
"""

import flask
from oslo_policy import policy as oslo_policy

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.schemas import server_actions as schemas
from cepheid.common import exception


def reboot(compute_api, context, uuid, value):
    return compute_api.reboot_owned(context, uuid, value['type'].upper())


def power(name):
    """The owned form of one of the compute API's table-driven power actions."""
    def run(compute_api, context, uuid, value):
        return compute_api.power_action_owned(context, uuid, name)
    return run


def attempt(server_id, name, spec, body):
    """A 202 when ``spec`` (an Action with ``owned``) began on the caller's own instance
    ``server_id``; None when the full path must answer."""
    context = helpers.context()
    if (spec.owned is None or not context.project_id or not context.user_id
            or not helpers.UUID_RE.match(server_id or '')):
        return None
    try:
        if not helpers.allowed(spec.policy):     # the target: the caller's project and user
            return None
        validation.validate(schemas.by_action(helpers.version())[name], body)
    except (exception.CepheidException, oslo_policy.InvalidScope):
        return None
    if not spec.owned(helpers.services().compute_api, context, server_id, body[name]):
        return None
    return flask.Response(status=202)
