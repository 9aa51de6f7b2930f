"""User data on the real stack: stored at create, replaced by a 2.57 rebuild, shown to admins
as OS-EXT-SRV-ATTR:user_data (2.3+); the rebuild answer's key_name (2.54+) and user_data
(2.57+) as Nova's."""

import base64

from cepheid.common import states
from tests.fixtures import driver_contract
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server
from tests.functional.test_power_actions import settled

FIRST = base64.b64encode(b'#!/bin/sh\necho first\n').decode()
SECOND = base64.b64encode(b'#!/bin/sh\necho second\n').decode()


def _version(version):
    return {'OpenStack-API-Version': f'compute {version}'}


def _admin_show(client, server_id, version='2.3'):
    status, body = client.get(f'/servers/{server_id}', token=http.ADMIN,
                              headers=_version(version))
    assert status == 200, body
    return body['server']


def _create(client, **fields):
    status, body = client.post('/servers', {'server': dict(name='vm', flavorRef='1', **fields)})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], idle)


def _rebuild(client, server_id, version, **fields):
    return client.post(f'/servers/{server_id}/action',
                       {'rebuild': dict(imageRef=driver_contract.IMAGE_B, **fields)},
                       headers=_version(version))


def test_user_data_at_create_is_shown_to_admins_only(stack, client):
    server = _create(client, user_data=FIRST)
    assert _admin_show(client, server['id'])['OS-EXT-SRV-ATTR:user_data'] == FIRST
    status, body = client.get(f'/servers/{server["id"]}', headers=_version('2.3'))
    assert status == 200 and 'OS-EXT-SRV-ATTR:user_data' not in body['server']


def test_user_data_that_is_not_base64_is_400(stack, client):
    status, body = client.post('/servers', {'server': {
        'name': 'vm', 'flavorRef': '1', 'user_data': 'not base64!'}})
    assert status == 400 and body['badRequest']['code'] == 400


def test_rebuild_257_replaces_user_data_and_answers_with_it(stack, client):
    server = _create(client, user_data=FIRST)
    status, body = _rebuild(client, server['id'], '2.57', user_data=SECOND)
    assert status == 202, body
    assert body['server']['user_data'] == SECOND
    assert body['server']['key_name'] is None
    wait_for_server(client, server['id'], settled(states.ACTIVE))
    assert _admin_show(client, server['id'])['OS-EXT-SRV-ATTR:user_data'] == SECOND
    status, body = _rebuild(client, server['id'], '2.57', user_data=None)
    assert status == 202 and body['server']['user_data'] is None


def test_rebuild_answer_keys_per_microversion(stack, client):
    server = _create(client, user_data=FIRST)
    expectations = (('2.53', False, False), ('2.54', True, False), ('2.57', True, True))
    for version, has_key_name, has_user_data in expectations:
        status, body = _rebuild(client, server['id'], version)
        assert status == 202, body
        assert ('key_name' in body['server']) is has_key_name, version
        assert ('user_data' in body['server']) is has_user_data, version
        wait_for_server(client, server['id'], settled(states.ACTIVE))


def test_rebuild_275_is_the_show_view_with_user_data_not_the_admin_attribute(stack, client):
    server = _create(client, user_data=FIRST)
    status, body = client.post(f'/servers/{server["id"]}/action',
                               {'rebuild': {'imageRef': driver_contract.IMAGE_B}},
                               token=http.ADMIN, headers=_version('2.75'))
    assert status == 202, body
    assert body['server']['user_data'] == FIRST
    assert 'OS-EXT-SRV-ATTR:user_data' not in body['server']
    assert 'OS-EXT-SRV-ATTR:host' in body['server']
