"""The dashboard behind a real Keystone: its page needs no token, its login exchanges a user's
credentials for a Keystone token, and the data it shows is that user's (a reader's buttons
are greyed out by policy)."""

import pytest

from tests.fixtures import http
from tests.fixtures import keystone_identity

pytestmark = pytest.mark.integration


def _dashboard(cluster):
    return http.Client(cluster['client'].endpoint.rsplit('/v2.1', 1)[0])


def _login(cluster, user, password=keystone_identity.PASSWORD):
    return _dashboard(cluster).request('POST', '/dashboard/login', {
        'username': user, 'password': password, 'project': 'demo', 'domain': 'Default'},
        headers={'X-Auth-Token': ''})


def _buttons(cluster, token, server_id):
    status, state = _dashboard(cluster).get('/dashboard/api/state', token=token)
    assert status == 200, state
    return state['me'], next(s['buttons'] for s in state['servers'] if s['uuid'] == server_id)


def test_a_member_logs_in_with_credentials_and_may_act(cluster, identity, demo_server):
    status, body = _login(cluster, 'demo-member')
    assert status == 200, body
    me, buttons = _buttons(cluster, body['token'], demo_server)
    assert me['user_id'] == identity['users']['demo-member']
    assert buttons['reboot_hard'] is None and buttons['lock'] is None


def test_a_readers_buttons_are_all_greyed_out(cluster, demo_server):
    status, body = _login(cluster, 'demo-reader')
    assert status == 200, body
    _, buttons = _buttons(cluster, body['token'], demo_server)
    assert all(reason.startswith('not allowed by policy') for reason in buttons.values())


def test_a_wrong_password_is_401_and_the_data_needs_a_token(cluster):
    assert _login(cluster, 'demo-member', 'wrong')[0] == 401
    assert _dashboard(cluster).get('/dashboard/api/state', token='')[0] == 401
