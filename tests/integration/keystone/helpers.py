"""Helpers of the Keystone integration tests: tokens, servers created and waited for."""

import json
import urllib.error
import urllib.request

from tests.fixtures import keystone_identity
from tests.fixtures import processes


def issue(identity, user, project, url=None):
    """A new token of ``user`` on ``project`` (from ``url``, default the main Keystone)."""
    token, _ = keystone_identity.issue_token(url or identity['url'], user,
                                             keystone_identity.PASSWORD, project=project)
    return token


def issue_admin(identity):
    token, _ = keystone_identity.issue_token(identity['url'], 'admin',
                                             identity['site'].admin_password, project='admin')
    return token


def server_of(client, token, server_id):
    status, body = client.get(f'/servers/{server_id}', token=token)
    assert status == 200, body
    return body['server']


def create_server(client, token, name):
    """A server created with ``token``, waited for until ACTIVE with no task."""
    status, body = client.post('/servers', {'server': {'name': name, 'flavorRef': '1'}},
                               token=token)
    assert status == 202, body
    server_id = body['server']['id']
    wait_idle(client, token, server_id)
    return server_id


def _idle(client, token, server_id):
    server = server_of(client, token, server_id)
    if server['status'] == 'ACTIVE' and server['OS-EXT-STS:task_state'] is None:
        return server
    return None


def wait_idle(client, token, server_id, timeout=30):
    """The server once ACTIVE with no task_state (a reboot finished)."""
    return processes.wait_until(lambda: _idle(client, token, server_id), timeout,
                                f'{server_id} ACTIVE and idle')


def call(client, method, path, *, token=None, headers=None, body=None):
    """One request with its response headers: (status, headers, decoded body or text)."""
    hdrs = {'Content-Type': 'application/json', **(headers or {})}
    if token is not None:
        hdrs['X-Auth-Token'] = token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(client.endpoint + path, data=data, method=method,
                                 headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, resp_headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, resp_headers, raw = err.code, err.headers, err.read()
    try:
        return status, resp_headers, json.loads(raw) if raw else None
    except ValueError:
        return status, resp_headers, raw.decode(errors='replace')


def reboot(client, token, server_id, reboot_type='SOFT'):
    status, body = client.post(f'/servers/{server_id}/action',
                               {'reboot': {'type': reboot_type}}, token=token)
    return status, body
