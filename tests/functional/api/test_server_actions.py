"""POST /servers/{id}/action: dispatch, reboot, and the 404 → 403 → 409 check order."""

import pytest

from cepheid.common import exception
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault


@pytest.mark.parametrize('given,sent', [
    ('SOFT', 'SOFT'), ('HARD', 'HARD'), ('soft', 'SOFT'), ('Hard', 'HARD'),
])
def test_reboot_is_202_without_body_and_calls_compute(api, compute_api, instance, given, sent):
    resp = api.action(instance['uuid'], {'reboot': {'type': given}})
    assert resp.status_code == 202
    assert resp.data == b''
    assert compute_api.calls == [('reboot', instance['uuid'], sent)]


def test_reboot_bad_type_is_400_with_nova_message(api, compute_api, instance):
    resp = api.action(instance['uuid'], {'reboot': {'type': 'foo'}})
    assert resp.status_code == 400
    assert fault(resp) == ('badRequest', 400,
                           "Invalid input for field/attribute type. Value: foo. 'foo' is not "
                           "one of ['HARD', 'Soft', 'soft', 'SOFT', 'Hard', 'hard']")
    assert compute_api.calls == []


def test_reboot_without_type_is_400(api, instance):
    resp = api.action(instance['uuid'], {'reboot': {}})
    assert fault(resp)[:2] == ('badRequest', 400)
    assert "'type' is a required property" in fault(resp)[2]


@pytest.mark.parametrize('body', [{}, {'reboot': {'type': 'HARD'}, 'pause': None}, [1], 'x'])
def test_action_body_without_exactly_one_key_is_malformed(api, instance, body):
    resp = api.action(instance['uuid'], body)
    assert fault(resp) == ('badRequest', 400, 'Malformed request body')


def test_unknown_action_is_400(api, instance):
    resp = api.action(instance['uuid'], {'fly': None})
    assert fault(resp) == ('badRequest', 400, 'There is no such action: fly')


def test_action_with_invalid_json_is_400(api, instance):
    resp = api.post(f"/v2.1/servers/{instance['uuid']}/action", data='{"reboot": ',
                    headers={'Content-Type': 'application/json'})
    assert fault(resp) == ('badRequest', 400, 'Malformed request body')


def test_action_with_non_json_content_type_is_415(api, instance):
    resp = api.post(f"/v2.1/servers/{instance['uuid']}/action", data='reboot=HARD',
                    headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert fault(resp) == ('badMediaType', 415, 'Unsupported Content-Type')


def test_action_without_body_is_malformed(api, instance):
    resp = api.post(f"/v2.1/servers/{instance['uuid']}/action")
    assert fault(resp) == ('badRequest', 400, 'Malformed request body')


def test_reboot_unknown_server_is_404(api):
    resp = api.action('2b7c0d8e-7d2f-4a43-9a63-0c4f1f0e3f11', {'reboot': {'type': 'HARD'}})
    assert fault(resp)[:2] == ('itemNotFound', 404)


def test_reboot_another_projects_server_is_404_not_403(api, compute_api, instance):
    resp = api.action(instance['uuid'], {'reboot': {'type': 'HARD'}}, token=conftest.OTHER)
    assert fault(resp) == ('itemNotFound', 404,
                           f"Instance {instance['uuid']} could not be found.")
    assert compute_api.calls == []


def test_admin_may_reboot_another_projects_server(api, compute_api, instance):
    resp = api.action(instance['uuid'], {'reboot': {'type': 'HARD'}}, token=conftest.ADMIN)
    assert resp.status_code == 202


def test_reboot_refused_by_policy_is_403(api_with_policy, compute_api, instance):
    api = api_with_policy({'os_compute_api:servers:reboot': 'rule:context_is_admin'})
    resp = api.action(instance['uuid'], {'reboot': {'type': 'HARD'}})
    assert fault(resp) == ('forbidden', 403,
                           "Policy doesn't allow os_compute_api:servers:reboot to be performed.")
    assert compute_api.calls == []


def test_reboot_locked_server_by_member_is_409(api, db):
    locked = fakes.make_instance(db, locked=True, locked_by='admin')
    resp = api.action(locked['uuid'], {'reboot': {'type': 'SOFT'}})
    assert fault(resp) == ('conflictingRequest', 409, f"Instance {locked['uuid']} is locked")


def test_reboot_locked_server_by_admin_is_202(api, db):
    locked = fakes.make_instance(db, locked=True, locked_by='owner')
    assert api.action(locked['uuid'], {'reboot': {'type': 'SOFT'}},
                      token=conftest.ADMIN).status_code == 202


def test_reboot_invalid_state_is_409(api, compute_api, instance):
    compute_api.fail['reboot'] = exception.InstanceInvalidState(
        method='reboot', instance_uuid=instance['uuid'], attr='task_state',
        state='rebooting')
    resp = api.action(instance['uuid'], {'reboot': {'type': 'SOFT'}})
    assert fault(resp) == ('conflictingRequest', 409,
                           f"Cannot 'reboot' instance {instance['uuid']} while it is in "
                           "task_state rebooting")


def test_check_order_is_404_then_403_then_400_then_409(api, api_with_policy, db):
    locked = fakes.make_instance(db, locked=True)
    other = fakes.make_instance(db, project_id='alt-project', locked=True)
    bad = {'reboot': {'type': 'nope'}}
    assert api.action(other['uuid'], bad).status_code == 404
    assert api.action(locked['uuid'], bad).status_code == 400
    assert api.action(locked['uuid'], {'reboot': {'type': 'HARD'}}).status_code == 409
    strict = api_with_policy({'os_compute_api:servers:reboot': 'rule:context_is_admin'})
    assert strict.action(other['uuid'], bad).status_code == 404
    assert strict.action(locked['uuid'], bad).status_code == 403


def test_domain_error_500_is_a_generic_compute_fault(api, compute_api, instance):
    compute_api.fail['reboot'] = exception.HypervisorUnavailable(host='compute1')
    resp = api.action(instance['uuid'], {'reboot': {'type': 'SOFT'}})
    name, code, message = fault(resp)
    assert (name, code) == ('computeFault', 500)
    assert message.startswith('Unexpected API Error.')


def test_unexpected_exception_is_a_json_500(api, compute_api, instance):
    compute_api.fail['reboot'] = RuntimeError('boom')
    resp = api.action(instance['uuid'], {'reboot': {'type': 'SOFT'}})
    assert resp.status_code == 500
    assert resp.mimetype == 'application/json'
    assert fault(resp)[0] == 'computeFault'


@pytest.mark.parametrize('action', ['os-start', 'os-stop', 'pause', 'unpause', 'suspend',
                                    'resume'])
def test_power_actions_go_through_the_table(api, compute_api, instance, action):
    resp = api.action(instance['uuid'], {action: None})
    assert resp.status_code == 202
    assert compute_api.calls == [('power_action', instance['uuid'], action)]


def test_lock_reason_is_passed_from_273_and_refused_before(api, compute_api, instance):
    body = {'lock': {'locked_reason': 'maintenance'}}
    resp = api.action(instance['uuid'], body, version='2.72')
    assert fault(resp) == ('badRequest', 400, "Invalid input for field/attribute lock. Value: "
                           "{'locked_reason': 'maintenance'}. Additional properties are not "
                           "allowed ('locked_reason' was unexpected)")
    assert api.action(instance['uuid'], body, version='2.73').status_code == 202
    assert api.action(instance['uuid'], {'lock': {}}, version='2.72').status_code == 202
    assert compute_api.calls == [('lock', instance['uuid'], 'maintenance'),
                                 ('lock', instance['uuid'], None)]


def test_lock_reason_too_long_is_400_from_273(api, instance):
    resp = api.action(instance['uuid'], {'lock': {'locked_reason': 'x' * 256}},
                      version='2.73')
    assert fault(resp)[:2] == ('badRequest', 400)


def test_unlock_of_admin_lock_by_owner_needs_override(api, compute_api, db):
    locked = fakes.make_instance(db, locked=True, locked_by='admin')
    resp = api.action(locked['uuid'], {'unlock': None})
    assert fault(resp)[:2] == ('forbidden', 403)
    assert 'unlock_override' in fault(resp)[2]
    assert api.action(locked['uuid'], {'unlock': None},
                      token=conftest.ADMIN).status_code == 202
    assert compute_api.calls == [('unlock', locked['uuid'])]
