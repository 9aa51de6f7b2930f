"""The `openstack` and `nova` CLIs, unmodified, against cepheid-api + computes as processes."""

import pytest

pytest.importorskip('openstackclient', reason='python-openstackclient is not installed')
pytest.importorskip('novaclient', reason='python-novaclient is not installed')

from tests.integration.clients import tools  # noqa: E402

pytestmark = pytest.mark.integration


def _events(clients, cloud, name):
    """`openstack server event list --long`, newest first: [(action, user id, request id)]."""
    rows = clients.openstack_json(cloud, 'server', 'event', 'list', '--long', name)
    return [(row['Action'], row['User ID'], row['Request ID']) for row in rows]


def _event_names(clients, cloud, name, request_id):
    """`openstack server event show`: [(event, result)] of one action."""
    action = clients.openstack_json(cloud, 'server', 'event', 'show', name, request_id)
    return [(event['event'], event['result']) for event in action['events']]


def test_server_show_by_name_and_server_list(clients, server):
    server_id, name = server
    shown = clients.openstack_json('owner', 'server', 'show', name)
    assert (shown['id'], shown['status'], shown['locked']) == (server_id, 'ACTIVE', False)
    listed = clients.openstack_json('owner', 'server', 'list')
    assert {'ID': server_id, 'Name': name, 'Status': 'ACTIVE'}.items() <= next(
        row for row in listed if row['ID'] == server_id).items()
    # The same through the identity stub: a password token and the catalog's compute endpoint.
    via_stub = clients.openstack_json('stub', 'server', 'list', '--name', f'^{name}$')
    assert [row['ID'] for row in via_stub] == [server_id]


def test_soft_then_hard_reboot_with_wait(clients, clients_cluster, server):
    server_id, name = server
    clients.openstack('owner', 'server', 'reboot', '--soft', '--wait', name)
    clients.openstack('owner', 'server', 'reboot', '--hard', '--wait', name)
    shown = clients_cluster.server(server_id)
    assert (shown['status'], shown['OS-EXT-STS:task_state']) == ('ACTIVE', None)
    events = _events(clients, 'owner', name)
    assert [action for action, _user, _req in events] == ['reboot', 'reboot', 'create']
    assert _event_names(clients, 'owner', name, events[0][2]) == [
        ('compute_reboot_instance', 'Success')]


def test_owner_lock_makes_member_reboot_409_and_admin_reboots(clients, clients_cluster, server):
    server_id, name = server
    clients.openstack('owner', 'server', 'lock', '--reason', 'maintenance window', name)
    shown = clients_cluster.server(server_id)
    assert (shown['locked'], shown['locked_reason']) == (True, 'maintenance window')

    refused = clients.openstack('member', 'server', 'reboot', '--hard', name, check=False)
    assert refused.returncode == 1
    assert '409' in refused.stderr and f'Instance {server_id} is locked' in refused.stderr

    # An admin is not held by the owner's lock (by id: names are looked up per project).
    clients.openstack('admin', 'server', 'reboot', '--hard', '--wait', server_id)
    events = _events(clients, 'owner', name)
    assert [(action, user) for action, user, _req in events] == [
        ('reboot', 'admin'), ('lock', 'demo'), ('create', 'demo')]
    assert _event_names(clients, 'owner', name, events[0][2]) == [
        ('compute_reboot_instance', 'Success')]
    assert _event_names(clients, 'owner', name, events[1][2]) == [('api_lock', 'Success')]

    clients.openstack('owner', 'server', 'unlock', name)
    shown = clients_cluster.server(server_id)
    assert (shown['locked'], shown['locked_reason'], shown['status']) == (False, None, 'ACTIVE')


def test_nova_reboot_hard_and_409_when_locked(clients, clients_cluster, server):
    server_id, name = server
    accepted = clients.nova('reboot', '--hard', name)
    assert f'Request to reboot server {name} ({server_id}) has been accepted' in accepted.stdout
    clients_cluster.wait_idle(server_id)
    status, body = clients_cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                              token=tools.OWNER)
    assert status == 200
    assert [a['action'] for a in body['instanceActions']] == ['reboot', 'create']

    status, _ = clients_cluster.client.post(f'/servers/{server_id}/action', {'lock': None},
                                            token=tools.OWNER)
    assert status == 202
    refused = clients.nova('reboot', '--hard', name, token=tools.MEMBER, check=False)
    assert refused.returncode == 1
    # nova reports each server's failure on stdout, then a generic error on stderr.
    assert f'Instance {server_id} is locked (HTTP 409)' in refused.stdout
