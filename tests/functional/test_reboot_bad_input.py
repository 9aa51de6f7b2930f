"""Bad reboot requests get Nova's error bodies and change nothing (no 5xx, no lost data)."""

import json
import urllib.request
import uuid

import pytest

from tests.fixtures import http
from tests.functional.conftest import wait_for_server


def _raw_post(client, path, data, content_type='application/json', token=http.MEMBER):
    req = urllib.request.Request(client.endpoint + path, data=data, method='POST', headers={
        'X-Auth-Token': token, 'Content-Type': content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _unchanged(stack, client, server):
    code, body = client.get(f'/servers/{server["id"]}')
    assert code == 200
    assert body['server']['OS-EXT-STS:task_state'] is None
    assert body['server']['status'] == 'ACTIVE'
    code, body = client.get(f'/servers/{server["id"]}/os-instance-actions')
    assert [a['action'] for a in body['instanceActions']] == ['create']


@pytest.mark.parametrize('body,message', [
    ({'reboot': {'type': 'WARM'}}, 'Invalid input for field/attribute type.'),
    ({'reboot': {}}, "'type' is a required property"),
    ({'reboot': {'type': 'SOFT'}, 'lock': None}, 'Malformed request body'),
    ({}, 'Malformed request body'),
    ({'explode': None}, 'There is no such action: explode'),
])
def test_bad_action_bodies_are_400_with_nova_message(stack, client, server, body, message):
    code, answer = client.post(f'/servers/{server["id"]}/action', body)
    assert code == 400, answer
    assert answer['badRequest']['code'] == 400
    assert message in answer['badRequest']['message']
    _unchanged(stack, client, server)


def test_malformed_json_is_400(stack, client, server):
    code, raw = _raw_post(client, f'/servers/{server["id"]}/action', b'{"reboot": ')
    assert code == 400
    assert json.loads(raw)['badRequest']['code'] == 400
    _unchanged(stack, client, server)


def test_oversized_body_is_413(stack, client, server):
    big = json.dumps({'reboot': {'type': 'SOFT', 'pad': 'x' * 200_000}}).encode()
    code, raw = _raw_post(client, f'/servers/{server["id"]}/action', big)
    assert code == 413
    assert json.loads(raw)['overLimit']['code'] == 413
    _unchanged(stack, client, server)


def test_unknown_server_is_404(client):
    code, body = client.post(f'/servers/{uuid.uuid4()}/action', {'reboot': {'type': 'SOFT'}})
    assert code == 404
    assert body['itemNotFound']['code'] == 404


def test_other_projects_server_is_404_and_untouched(stack, client, server):
    code, body = client.post(f'/servers/{server["id"]}/action', {'reboot': {'type': 'HARD'}},
                             token=http.OTHER)
    assert code == 404
    assert 'itemNotFound' in body
    _unchanged(stack, client, server)


def test_soft_reboot_of_a_stopped_server_is_409_with_state_message(stack, client, server):
    code, _ = client.post(f'/servers/{server["id"]}/action', {'os-stop': None})
    assert code == 202
    wait_for_server(client, server['id'], lambda s: s['status'] == 'SHUTOFF'
                    and s['OS-EXT-STS:task_state'] is None)
    code, body = client.post(f'/servers/{server["id"]}/action', {'reboot': {'type': 'SOFT'}})
    assert code == 409
    assert body['conflictingRequest']['message'] == (
        f"Cannot 'reboot' instance {server['id']} while it is in vm_state stopped")
