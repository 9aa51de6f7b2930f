"""The ``evacuate`` server action (admin): rebuild a server of a failed host on another.

Nova's answers per microversion: before 2.14 ``onSharedStorage`` is required and the
answer is 200 with ``{"adminPass": ...}`` (with ``[api] enable_instance_password``); from
2.14 it is 200 without a body. ``force`` (2.29 to 2.67) skips the scheduler's filters for
the named host. 400: ``force`` without a host, the server's own host, a password with
``onSharedStorage``, a source compute still up; 404: an unknown host; 409 from the state
guard. The perform function of server_actions.py's table.
"""

import flask
from oslo_utils import strutils

from cepheid.api import helpers
from cepheid.api.handlers import server_guest_actions as guest
from cepheid.common import exception


def _password(value, on_shared_storage):
    """Nova's password rules: given, or generated unless the disk is kept (before 2.14)."""
    if 'adminPass' in value:
        if on_shared_storage:
            raise exception.ValidationError(
                detail="admin password can't be changed on existing disk")
        return value['adminPass']
    return None if on_shared_storage else guest.generate_password()


def _force(value, host):
    if not helpers.version() >= '2.29' or helpers.version() >= '2.68':
        return None
    force = strutils.bool_from_string(value.get('force', False), strict=True)
    if force and not host:
        raise exception.ValidationError(detail="Can't force to a non-provided destination")
    return force


def evacuate(compute_api, context, instance, value):
    old = not helpers.version() >= '2.14'
    on_shared_storage = (strutils.bool_from_string(value['onSharedStorage'], strict=True)
                         if old else None)
    host = value.get('host')
    force = _force(value, host)
    password = _password(value, on_shared_storage)
    try:
        compute_api.evacuate(context, instance, host=host, force=force,
                             admin_password=password, on_shared_storage=on_shared_storage)
    except exception.ComputeHostNotFound as exc:
        raise exception.NotFound(f'Compute host {host} not found.') from exc
    except exception.CannotMigrateToSameHost as exc:
        raise exception.ValidationError(
            detail="The target host can't be the same one.") from exc
    if not old:
        return flask.Response(status=200)
    show = helpers.services().conf.api.enable_instance_password
    response = flask.jsonify({'adminPass': password} if show else {})
    response.status_code = 200
    return response
