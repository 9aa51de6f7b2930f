"""Keystone tokens at cepheid-api: valid ones act, missing, malformed, revoked, expired don't."""

import base64
import os
import time

import pytest

from tests.fixtures import keystone_identity
from tests.fixtures import processes
from tests.integration.keystone import conftest
from tests.integration.keystone import helpers

pytestmark = pytest.mark.integration

SHORT_TOKEN_SECONDS = 8


@pytest.fixture(scope='module')
def short_keystone(identity):
    """A second Keystone on the same database and keys whose tokens live 8 s: the main one
    (and so auth_token) accepts them, until they expire."""
    server = identity['site'].serve(processes.free_port(), name='short-tokens',
                                    token_expiration=SHORT_TOKEN_SECONDS)
    yield server
    server.stop()


def _refused(status, headers, body, identity):
    assert status == 401, body
    assert headers['WWW-Authenticate'] == f'Keystone uri="{identity["url"]}"'
    assert headers['x-openstack-request-id'].startswith('req-')
    return True


def test_member_token_reboots_own_server_202_as_that_user(cluster, identity, tokens,
                                                        demo_server):
    client = cluster['client']
    status, headers, body = helpers.call(client, 'POST', f'/servers/{demo_server}/action',
                                         token=tokens['demo-member'],
                                         body={'reboot': {'type': 'SOFT'}})
    assert status == 202, body
    helpers.wait_idle(client, tokens['demo-member'], demo_server)
    _, actions = client.get(f'/servers/{demo_server}/os-instance-actions',
                            token=tokens['demo-member'])
    reboot = actions['instanceActions'][0]
    assert reboot['action'] == 'reboot'
    assert reboot['request_id'] == headers['x-openstack-request-id']
    assert reboot['user_id'] == identity['users']['demo-member']
    assert reboot['project_id'] == identity['projects']['demo']


def test_no_token_is_401_with_www_authenticate(cluster, identity):
    for path in ('/servers', '/flavors', '/os-services'):
        assert _refused(*helpers.call(cluster['client'], 'GET', path), identity)


def test_malformed_tokens_are_401(cluster, identity, tokens, demo_server):
    valid = tokens['demo-member']
    fake_fernet = 'gAAAAA' + base64.urlsafe_b64encode(os.urandom(120)).decode().rstrip('=')
    for token in ('garbage', 'demo-member:demo', fake_fernet, valid[:-8] + 'AAAAAAAA',
                  valid[:40]):
        assert _refused(*helpers.call(cluster['client'], 'GET', f'/servers/{demo_server}',
                                      token=token), identity), token


def test_revoked_token_is_401(cluster, identity):
    token = helpers.issue(identity, 'demo-member', 'demo')
    keystone_identity.IdentityAdmin(identity['url'], identity['site'].admin_password) \
        .revoke(token)
    assert _refused(*helpers.call(cluster['client'], 'GET', '/servers', token=token),
                    identity)


def test_token_revoked_after_use_is_401_once_the_auth_token_cache_lapses(cluster, identity):
    client = cluster['client']
    token = helpers.issue(identity, 'demo-member', 'demo')
    assert client.get('/servers', token=token)[0] == 200
    keystone_identity.IdentityAdmin(identity['url'], identity['site'].admin_password) \
        .revoke(token)
    # auth_token trusts its cache for [keystone_authtoken] token_cache_time seconds, and each
    # api worker process has a cache of its own: one worker refusing the token says nothing of
    # the others, so every answer in a row must be a refusal.
    time.sleep(conftest.TOKEN_CACHE_TIME)  # the cache of whichever worker served the 200
    processes.wait_until(
        lambda: all(client.get('/servers', token=token)[0] == 401 for _ in range(8)),
        conftest.TOKEN_CACHE_TIME + 10, 'revoked token refused by every api worker')
    assert _refused(*helpers.call(client, 'GET', '/servers', token=token), identity)


def test_expired_token_is_401(cluster, identity, short_keystone):
    client = cluster['client']
    token, body = keystone_identity.issue_token(
        short_keystone.url, 'demo-member', keystone_identity.PASSWORD, project='demo')
    assert client.get('/servers', token=token)[0] == 200
    processes.wait_until(lambda: client.get('/servers', token=token)[0] == 401,
                         SHORT_TOKEN_SECONDS + 20, f'token expired at {body["expires_at"]}')
    assert _refused(*helpers.call(client, 'GET', '/servers', token=token), identity)


def test_version_documents_need_no_token(cluster):
    client = cluster['client']
    status, _, body = helpers.call(client, 'GET', '')
    assert status == 200 and body['version']['id'] == 'v2.1'
    root = client.endpoint.rsplit('/v2.1', 1)[0]
    status, _, body = helpers.call(type(client)(root), 'GET', '/')
    assert status == 200
    assert [v['id'] for v in body['versions']] == ['v2.0', 'v2.1']  # Nova's order
    status, _, body = helpers.call(type(client)(root), 'GET', '/v2')
    assert status == 200 and body['version']['id'] == 'v2.0'


def test_noauth2_identity_stub_is_not_served_under_keystone(cluster, identity, tokens):
    """The stand-in that trusts any user name exists only under noauth2."""
    root = type(cluster['client'])(cluster['client'].endpoint.rsplit('/v2.1', 1)[0])
    login = keystone_identity.password_auth('admin', 'anything', project='admin')
    assert _refused(*helpers.call(root, 'POST', '/identity/v3/auth/tokens', body=login),
                    identity)
    status, _, body = helpers.call(root, 'POST', '/identity/v3/auth/tokens', body=login,
                                   token=tokens['demo-member'])
    assert status == 404, body
