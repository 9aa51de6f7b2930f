"""openstacksdk, unmodified, against cepheid-api + computes as processes."""

import pytest

openstack = pytest.importorskip('openstack', reason='openstacksdk is not installed')

from cepheid.api import microversion  # noqa: E402
from tests.integration.clients import tools  # noqa: E402

# The SDK warns about its own internals (RemovedInSDK50Warning), not about these calls.
pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings('ignore::PendingDeprecationWarning:openstack')]
WAIT = {'status': 'ACTIVE', 'interval': 0.2, 'wait': 60}


def _connect(clients, cloud):
    """openstack.connect(...) with one cloud of the test clouds.yaml, nothing from the env."""
    config = tools.clouds(clients.base_url)['clouds'][cloud]
    return openstack.connect(load_yaml_config=False, load_envvars=False, **config)


def test_sdk_negotiates_the_latest_microversion_through_the_identity_stub(clients, server):
    server_id, name = server
    conn = _connect(clients, 'stub')
    assert conn.compute.get_endpoint() == f'{clients.base_url}/v2.1'
    data = conn.compute.get_endpoint_data()
    assert (data.min_microversion, data.max_microversion) == (
        tuple(microversion.MIN), tuple(microversion.MAX))
    found = conn.compute.find_server(name, ignore_missing=False)
    assert (found.id, found.is_locked) == (server_id, False)


def test_sdk_reboot_lock_unlock_and_server_actions(clients, server):
    server_id, name = server
    owner, member, admin = (_connect(clients, c) for c in ('owner', 'member', 'admin'))

    found = owner.compute.find_server(name, ignore_missing=False)
    owner.compute.reboot_server(found, 'SOFT')
    assert owner.compute.wait_for_server(found, **WAIT).task_state is None

    owner.compute.lock_server(found, locked_reason='sdk maintenance')
    locked = owner.compute.get_server(server_id)
    assert (locked.is_locked, locked.locked_reason) == (True, 'sdk maintenance')
    with pytest.raises(openstack.exceptions.ConflictException, match='is locked'):
        member.compute.reboot_server(server_id, 'HARD')

    admin.compute.reboot_server(server_id, 'HARD')
    admin.compute.wait_for_server(admin.compute.get_server(server_id), **WAIT)
    owner.compute.unlock_server(found)
    assert owner.compute.get_server(server_id).is_locked is False

    actions = list(owner.compute.server_actions(found))
    assert [(a.action, a.user_id) for a in actions] == [
        ('unlock', 'demo'), ('reboot', 'admin'), ('lock', 'demo'), ('reboot', 'demo'),
        ('create', 'demo')]
    expected = {'unlock': 'api_unlock', 'reboot': 'compute_reboot_instance', 'lock': 'api_lock'}
    for action in actions[:4]:
        shown = owner.compute.get_server_action(action.request_id, found)
        assert [(e.event, e.result) for e in shown.events] == [
            (expected[action.action], 'Success')]
