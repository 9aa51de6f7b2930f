"""The server actions that answer with a body or an RPC call's result (Nova's semantics):
rebuild (202 + the server), rescue (200 + adminPass), changePassword (202 after the
compute's answer) and os-getConsoleOutput (200 + the log). server_actions.py dispatches to
them after the shared 404 → 403 → schema steps."""

import secrets
import string

import flask
from oslo_utils import strutils

from cepheid.api import helpers
from cepheid.api.handlers import keypairs as keypair_handlers
from cepheid.api.handlers import servers as server_handlers
from cepheid.api.views import servers as server_views
from cepheid.common import exception

# Nova's generate_password alphabet: no look-alike characters.
PASSWORD_CHARS = ''.join(c for c in string.ascii_letters + string.digits if c not in 'lIO0o1')
PASSWORD_LENGTH = 12


def generate_password():
    return ''.join(secrets.choice(PASSWORD_CHARS) for _ in range(PASSWORD_LENGTH))


def _json(status, body):
    response = flask.jsonify(body)
    response.status_code = status
    return response


def _show_password():
    return helpers.services().conf.api.enable_instance_password


def rescue(compute_api, context, instance, value):
    value = value or {}
    password = value.get('adminPass') or generate_password()
    compute_api.power_action(context, instance, 'rescue',
                             rescue_image_ref=value.get('rescue_image_ref'),
                             rescue_password=password)
    return _json(200, {'adminPass': password} if _show_password() else {})


def _rebuild_values(value):
    """The instance columns a rebuild request changes besides the image."""
    values = server_handlers.access_ips(value)
    for field, column in (('name', 'display_name'), ('metadata', 'meta'),
                          ('description', 'description'), ('hostname', 'hostname')):
        if field in value:
            values[column] = value[field]
    if 'user_data' in value:
        # 2.57: the new user data (base64 text); null removes it.
        values['user_data'] = value['user_data']
    if 'key_name' in value:
        # 2.54: a key pair of the caller replaces the server's key; null removes it.
        values['key_name'] = _rebuild_key_name(value['key_name'])
    return values


def _rebuild_key_name(key_name):
    if key_name is None:
        return None
    try:
        return keypair_handlers.owned_key_name(key_name)
    except exception.KeypairNotFound:
        raise exception.InvalidKeyName() from None


def rebuild(compute_api, context, instance, value):
    password = value.get('adminPass') or generate_password()
    preserve = strutils.bool_from_string(value.get('preserve_ephemeral', False), strict=True)
    instance = compute_api.rebuild(context, instance, image_ref=value['imageRef'],
                                   values=_rebuild_values(value),
                                   preserve_ephemeral=preserve, admin_password=password)
    with helpers.services().db.transaction() as session:
        opts = server_handlers.view_options(session, show=True)
        instance = server_handlers.with_tags(session, [instance])[0]
    view = server_views.rebuilt(instance, opts)
    if _show_password():
        view['adminPass'] = password
    return _json(202, {'server': view})


def change_password(compute_api, context, instance, value):
    try:
        compute_api.set_admin_password(context, instance, value['adminPass'])
    except NotImplementedError as exc:
        raise exception.NotSupported(detail='Unable to set password on instance') from exc
    return None


def console_output(compute_api, context, instance, value):
    length = (value or {}).get('length')
    try:
        output = compute_api.get_console_output(
            context, instance, None if length is None else int(length))
    except NotImplementedError as exc:
        raise exception.NotSupported(
            detail='Action not supported for this server') from exc
    return _json(200, {'output': output})
