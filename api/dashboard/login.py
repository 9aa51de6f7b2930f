"""POST /dashboard/login: a token for the page, from Keystone credentials or as given.

With ``[api] auth_strategy = keystone`` a user name and password are exchanged for a
project-scoped token at Keystone (``[keystone_authtoken] www_authenticate_uri``); with
noauth2 the token is ``user:project``, as the API's noauth2 mode reads it. A token typed in
is returned as is: the page's first API call checks it like any other request's.
"""

import json
import urllib.error
import urllib.request

import flask
from oslo_config import cfg

from cepheid.api import helpers
from cepheid.common import exception

TIMEOUT = 10


def _keystone_url(conf):
    try:
        uri = conf.keystone_authtoken.www_authenticate_uri
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        uri = None
    if not uri:
        raise exception.ServiceUnavailable(reason='no Keystone URL configured')
    return uri.rstrip('/') + ('' if uri.rstrip('/').endswith('/v3') else '/v3')


def _password_body(form):
    domain = form.get('domain') or 'Default'
    return {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': form['username'], 'password': form.get('password', ''),
            'domain': {'name': domain}}}},
        'scope': {'project': {'name': form.get('project', ''), 'domain': {'name': domain}}},
    }}


def keystone_token(conf, form):
    """A project-scoped token from Keystone for the form's credentials (401 if refused)."""
    request = urllib.request.Request(
        _keystone_url(conf) + '/auth/tokens', method='POST',
        data=json.dumps(_password_body(form)).encode(),
        headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.headers['X-Subject-Token']
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 401, 403, 404):
            raise exception.NotAuthenticated() from None
        raise exception.ServiceUnavailable(reason=f'Keystone answered {exc.code}') from None
    except OSError as exc:
        raise exception.ServiceUnavailable(reason=f'Keystone unreachable: {exc}') from None


def login():
    form = helpers.json_body() or {}
    if not isinstance(form, dict):
        raise exception.MalformedRequestBody()
    conf = helpers.services().conf
    if form.get('token'):
        token = str(form['token'])
    elif not form.get('username'):
        raise exception.ValidationError(detail='Give a token, or a username and password.')
    elif conf.api.auth_strategy == 'noauth2':
        token = f"{form['username']}:{form.get('project') or form['username']}"
    else:
        token = keystone_token(conf, form)
    response = flask.jsonify({'token': token})
    response.headers['Cache-Control'] = 'no-store'
    return response
