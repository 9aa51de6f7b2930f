"""A Keystone stand-in for clients that insist on one: a dev aid, routed only under noauth2.

``GET /identity`` and ``GET /identity/v3`` are version documents; ``POST
/identity/v3/auth/tokens`` issues the noauth2 token ``user:project`` (header
``X-Subject-Token``) with a catalog naming this api as the compute endpoint. Nothing is
checked: a password method trusts the user name, a token method the token's user, and the
project comes from the scope (else from the token). Never route it with real Keystone auth.
"""

import flask

from cepheid.api import auth
from cepheid.api import helpers
from cepheid.api.views import identity as views
from cepheid.common import exception


def versions():
    return flask.jsonify(views.versions_list(helpers.base_url()))


def v3():
    return flask.jsonify(views.version_document(helpers.base_url()))


def _get(mapping, *keys):
    """``mapping[k1][k2]...`` or None when any level is missing or not a mapping."""
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _ref(entity):
    """A user's or project's id, else its name (Cepheid knows no names: they are ids)."""
    if not isinstance(entity, dict):
        return None
    return entity.get('id') or entity.get('name') or None


def _credentials(identity):
    """(user, project from the credentials or None); NotAuthenticated when there are none."""
    methods = _get(identity, 'methods') or []
    if 'password' in methods:
        user = _ref(_get(identity, 'password', 'user'))
        if user:
            return user, None
    if 'token' in methods:
        token = _get(identity, 'token', 'id') or ''
        user, _sep, project = token.strip().partition(':')
        if user:
            return user, project or None
    raise exception.NotAuthenticated()


def issue_token():
    body = helpers.json_body()
    identity = _get(body, 'auth', 'identity')
    user, token_project = _credentials(identity)
    project = _ref(_get(body, 'auth', 'scope', 'project')) or token_project
    view = views.token(user_id=user, project_id=project, roles=auth.noauth2_roles(user),
                       methods=identity['methods'], base_url=helpers.base_url())
    response = flask.jsonify(view)
    response.status_code = 201
    response.headers['X-Subject-Token'] = f'{user}:{project}' if project else user
    return response
