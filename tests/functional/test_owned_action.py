"""A reboot or power action on the caller's own instance: one transaction, no read first,
and every answer the same as the full path's (api/handlers/owned_action.py)."""

import json
import uuid

import pytest

from tests.fixtures import http
from tests.fixtures import owned_actions as owned
from tests.functional import three_hosts
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server


def test_owner_reboot_is_one_transaction_without_a_read(stack, client, server):
    with owned.RequestStatements(stack.db.engine) as seen:
        assert owned.reboot(stack, server['id']) == (202, None)
    assert seen.reads_of_instances() == []
    assert seen.statements.count('COMMIT') == 1
    assert any(s.startswith('UPDATE INSTANCES') for s in seen.statements)
    wait_for_server(client, server['id'], idle)
    assert owned.actions(client, server['id']) == [('reboot', 'demo'), ('create', 'demo')]


def test_another_user_of_the_project_takes_the_full_path(stack, client, server):
    with owned.RequestStatements(stack.db.engine) as seen:
        assert owned.reboot(stack, server['id'], token=owned.BOB) == (202, None)
    assert len(seen.reads_of_instances()) == 1
    wait_for_server(client, server['id'], idle)
    assert owned.actions(client, server['id']) == [('reboot', 'bob'), ('create', 'demo')]


def test_admin_reboots_another_projects_server(stack, client, server):
    assert owned.reboot(stack, server['id'], token=http.ADMIN) == (202, None)
    wait_for_server(client, server['id'], idle)
    assert owned.actions(client, server['id'])[0] == ('reboot', 'admin')


def test_another_project_gets_404_and_nothing_changes(stack, client, server):
    code, body = owned.reboot(stack, server['id'], token=http.OTHER)
    assert code == 404, body
    assert body['itemNotFound']['message'] == f'Instance {server["id"]} could not be found.'
    assert owned.actions(client, server['id']) == [('create', 'demo')]


def test_locked_server_is_409_for_its_owner_and_202_for_an_admin(stack, client, server):
    assert owned.post(stack, server['id'], {'lock': None}) == (202, None)
    code, body = owned.reboot(stack, server['id'])
    assert code == 409, body
    assert body['conflictingRequest']['message'] == (
        f"Instance {server['id']} is locked")
    code, body = owned.post(stack, server['id'], {'os-stop': None})
    assert code == 409, body
    assert owned.reboot(stack, server['id'], token=http.ADMIN) == (202, None)
    wait_for_server(client, server['id'], idle)
    assert [a for a, _ in owned.actions(client, server['id'])] == ['reboot', 'lock', 'create']


def test_state_conflict_is_409_naming_the_task_state(stack, client, server):
    for compute in stack.computes.values():
        compute.driver.delay = 0.5
    assert owned.reboot(stack, server['id'], reboot_type='HARD') == (202, None)
    code, body = owned.reboot(stack, server['id'])
    assert code == 409, body
    message = body['conflictingRequest']['message']
    assert 'task_state' in message and 'reboot' in message
    wait_for_server(client, server['id'], idle)
    assert [a for a, _ in owned.actions(client, server['id'])] == ['reboot', 'create']


def test_power_actions_take_the_owned_path_with_the_same_answers(stack, client, server):
    with owned.RequestStatements(stack.db.engine) as seen:
        assert owned.post(stack, server['id'], {'os-stop': None}) == (202, None)
    assert seen.reads_of_instances() == []
    wait_for_server(client, server['id'], lambda s: s['status'] == 'SHUTOFF'
                    and s['OS-EXT-STS:task_state'] is None)
    code, body = owned.post(stack, server['id'], {'os-stop': None})
    assert code == 409, body
    assert "in vm_state stopped" in body['conflictingRequest']['message']
    assert owned.post(stack, server['id'], {'os-start': None}) == (202, None)
    wait_for_server(client, server['id'], idle)


@pytest.mark.parametrize('body', [{'reboot': {'type': 'WARM'}}, {'reboot': {}}])
def test_bad_body_is_400_on_the_own_server_and_404_on_a_missing_one(stack, client, server,
                                                                     body):
    code, answer = owned.post(stack, server['id'], body)
    assert code == 400, answer
    code, answer = owned.post(stack, str(uuid.uuid4()), body)
    assert code == 404, answer
    assert owned.actions(client, server['id']) == [('create', 'demo')]


@pytest.fixture
def policy_stack(tmp_path):
    """A stack whose policy lets only the instance's own user reboot it, and nobody stop."""
    policy = tmp_path / 'policy.json'
    policy.write_text(json.dumps({'os_compute_api:servers:reboot': 'user_id:%(user_id)s',
                                  'os_compute_api:servers:stop': '!'}))
    running = three_hosts.start(hosts=['compute1'], **{'oslo_policy.policy_file': str(policy)})
    yield running
    running.stop()


def test_policies_decide_on_the_instances_own_target(policy_stack):
    client = http.Client(policy_stack.endpoint)
    code, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert code == 202, body
    server_id = body['server']['id']
    wait_for_server(client, server_id, idle)
    code, body = owned.reboot(policy_stack, server_id, token=owned.BOB)
    assert code == 403, body
    assert body['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:servers:reboot to be performed.")
    code, body = owned.post(policy_stack, server_id, {'os-stop': None})
    assert code == 403, body
    code, body = owned.post(policy_stack, str(uuid.uuid4()), {'os-stop': None})
    assert code == 404, body
    assert owned.reboot(policy_stack, server_id) == (202, None)
    wait_for_server(client, server_id, idle)
    assert owned.actions(client, server_id) == [('reboot', 'demo'), ('create', 'demo')]
