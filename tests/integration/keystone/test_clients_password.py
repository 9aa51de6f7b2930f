"""The unmodified clients with password auth against the real Keystone, through its catalog.

`openstack`, `nova` and openstacksdk get a token from Keystone and take the compute endpoint
from the token's catalog (region RegionOne, public interface): no identity stub, no
admin_token, no endpoint override. Servers are created over REST (the clients' create looks
the image up in Glance, which Cepheid has not).
"""

import pytest

pytest.importorskip('openstackclient', reason='python-openstackclient is not installed')
pytest.importorskip('novaclient', reason='python-novaclient is not installed')
openstack = pytest.importorskip('openstack', reason='openstacksdk is not installed')

from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from tests.fixtures import keystone  # noqa: E402
from tests.fixtures import keystone_identity  # noqa: E402
from tests.integration.clients import tools  # noqa: E402
from tests.integration.keystone import helpers  # noqa: E402

# The SDK warns about its own internals (RemovedInSDK50Warning), not about these calls.
pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings('ignore::PendingDeprecationWarning:openstack')]

MEMBER2 = 'demo-member2'  # a second member of demo, created here
COMPUTE = {'service_type': 'compute', 'interface': 'public', 'region_name': keystone.REGION}
SDK_WAIT = {'status': 'ACTIVE', 'interval': 0.2, 'wait': 60}


@pytest.fixture(scope='module')
def member2(identity):
    """``demo-member2``, a member of demo besides the owner: its user id."""
    admin = keystone_identity.IdentityAdmin(identity['url'], identity['site'].admin_password)
    domain_id = admin.find('domains', name=keystone_identity.DOMAIN)['id']
    user = admin.ensure('users', 'user', name=MEMBER2, domain_id=domain_id,
                        password=keystone_identity.PASSWORD, enabled=True)
    admin.grant('member', user_id=user['id'], project_id=identity['projects']['demo'])
    return user['id']


def _credentials(identity, user):
    """(user, password, project) of the password clouds."""
    if user == 'admin':
        return 'admin', identity['site'].admin_password, 'admin'
    return user, keystone_identity.PASSWORD, 'demo'


def _cloud(identity, user):
    username, password, project = _credentials(identity, user)
    return {'auth_type': 'password',
            'auth': {'auth_url': identity['url'], 'username': username, 'password': password,
                     'project_name': project, 'user_domain_name': keystone_identity.DOMAIN,
                     'project_domain_name': keystone_identity.DOMAIN},
            'region_name': keystone.REGION, 'interface': 'public'}


@pytest.fixture(scope='module')
def clients(identity, cluster, member2, tmp_path_factory):
    """`openstack` / `nova` with a clouds.yaml of password clouds, one per user."""
    config = {'clouds': {user: _cloud(identity, user) for user in (
        'demo-member', MEMBER2, 'demo-reader', 'admin')}}
    base_url = cluster['client'].endpoint.rsplit('/v2.1', 1)[0]
    return tools.Clients(base_url, tmp_path_factory.mktemp('password-clients'), config)


def _session(identity, user):
    username, password, project = _credentials(identity, user)
    return ks_session.Session(auth=v3.Password(
        auth_url=identity['url'], username=username, password=password, project_name=project,
        user_domain_name=keystone_identity.DOMAIN,
        project_domain_name=keystone_identity.DOMAIN))


@pytest.fixture
def server(identity, cluster, tokens, request):
    """A new ACTIVE server of demo-member, created through the catalog: (id, name)."""
    name = f'pw-{request.node.name}'[:60]
    resp = _session(identity, 'demo-member').post(
        '/servers', json={'server': {'name': name, 'flavorRef': '1'}}, endpoint_filter=COMPUTE)
    assert resp.status_code == 202, resp.text
    server_id = resp.json()['server']['id']
    helpers.wait_idle(cluster['client'], tokens['demo-member'], server_id)
    return server_id, name


def _events(clients, name):
    """`openstack server event list --long`, newest first: [(action, user id, request id)]."""
    rows = clients.openstack_json('demo-member', 'server', 'event', 'list', '--long', name)
    return [(row['Action'], row['User ID'], row['Request ID']) for row in rows]


def _event_names(clients, name, request_id):
    """`openstack server event show`: [(event, result)] of one action."""
    action = clients.openstack_json('demo-member', 'server', 'event', 'show', name, request_id)
    return [(event['event'], event['result']) for event in action['events']]


def _nova(clients, identity, user, *args, check=True):
    """The nova CLI with password auth (OS_* options, as nova has no clouds.yaml support)."""
    username, password, project = _credentials(identity, user)
    return clients.run('nova', '--os-auth-url', identity['url'], '--os-username', username,
                       '--os-password', password, '--os-project-name', project,
                       '--os-user-domain-name', keystone_identity.DOMAIN,
                       '--os-project-domain-name', keystone_identity.DOMAIN,
                       '--os-region-name', keystone.REGION, '--os-endpoint-type', 'public',
                       *args, check=check)


def test_cli_list_show_and_soft_then_hard_reboot_with_wait(clients, identity, server):
    server_id, name = server
    listed = clients.openstack_json('demo-member', 'server', 'list')
    assert {'ID': server_id, 'Name': name, 'Status': 'ACTIVE'}.items() <= next(
        row for row in listed if row['ID'] == server_id).items()
    shown = clients.openstack_json('demo-member', 'server', 'show', name)
    assert (shown['id'], shown['status'], shown['locked']) == (server_id, 'ACTIVE', False)
    assert shown['project_id'] == identity['projects']['demo']

    clients.openstack('demo-member', 'server', 'reboot', '--soft', '--wait', name)
    clients.openstack('demo-member', 'server', 'reboot', '--hard', '--wait', name)
    events = _events(clients, name)
    member = identity['users']['demo-member']
    assert [(action, user) for action, user, _req in events] == [
        ('reboot', member), ('reboot', member), ('create', member)]
    assert _event_names(clients, name, events[0][2]) == [('compute_reboot_instance', 'Success')]


def test_cli_lock_409_for_another_member_admin_reboots_then_unlock(
        clients, identity, cluster, tokens, member2, server):
    server_id, name = server
    client, owner = cluster['client'], tokens['demo-member']
    clients.openstack('demo-member', 'server', 'lock', '--reason', 'maintenance window', name)
    shown = helpers.server_of(client, owner, server_id)
    assert (shown['locked'], shown['locked_reason']) == (True, 'maintenance window')

    refused = clients.openstack(MEMBER2, 'server', 'reboot', '--hard', name, check=False)
    assert refused.returncode == 1
    assert '409' in refused.stderr and f'Instance {server_id} is locked' in refused.stderr

    # Keystone's admin (role admin) passes the lock; by id: names are looked up per project.
    clients.openstack('admin', 'server', 'reboot', '--hard', server_id)
    helpers.wait_idle(client, owner, server_id)
    events = _events(clients, name)
    member, admin = identity['users']['demo-member'], identity['users']['admin']
    assert [(action, user) for action, user, _req in events] == [
        ('reboot', admin), ('lock', member), ('create', member)]
    assert _event_names(clients, name, events[0][2]) == [('compute_reboot_instance', 'Success')]
    assert _event_names(clients, name, events[1][2]) == [('api_lock', 'Success')]

    clients.openstack('demo-member', 'server', 'unlock', name)
    shown = helpers.server_of(client, owner, server_id)
    assert (shown['locked'], shown['locked_reason'], shown['status']) == (False, None, 'ACTIVE')


def test_cli_reader_reboot_is_403(clients, demo_server):
    refused = clients.openstack('demo-reader', 'server', 'reboot', demo_server, check=False)
    assert refused.returncode == 1
    assert '403' in refused.stderr, refused.stderr
    assert "Policy doesn't allow os_compute_api:servers:reboot" in refused.stderr


def test_nova_reboot_hard_with_password(clients, identity, cluster, tokens, server):
    server_id, name = server
    accepted = _nova(clients, identity, 'demo-member', 'reboot', '--hard', name)
    assert f'Request to reboot server {name} ({server_id}) has been accepted' in accepted.stdout
    helpers.wait_idle(cluster['client'], tokens['demo-member'], server_id)
    status, body = cluster['client'].get(f'/servers/{server_id}/os-instance-actions',
                                         token=tokens['demo-member'])
    assert status == 200
    member = identity['users']['demo-member']
    assert [(a['action'], a['user_id']) for a in body['instanceActions']] == [
        ('reboot', member), ('create', member)]


def _connect(identity, user):
    username, password, project = _credentials(identity, user)
    return openstack.connect(
        auth_url=identity['url'], username=username, password=password, project_name=project,
        user_domain_name=keystone_identity.DOMAIN, project_domain_name=keystone_identity.DOMAIN,
        region_name=keystone.REGION, interface='public',
        load_yaml_config=False, load_envvars=False)


def test_sdk_reboot_lock_unlock_and_server_actions(identity, cluster, member2, server):
    server_id, name = server
    owner, other, reader, admin = (
        _connect(identity, user) for user in ('demo-member', MEMBER2, 'demo-reader', 'admin'))
    assert owner.compute.get_endpoint() == cluster['client'].endpoint  # from the catalog

    found = owner.compute.find_server(name, ignore_missing=False)
    owner.compute.reboot_server(found, 'SOFT')
    assert owner.compute.wait_for_server(found, **SDK_WAIT).task_state is None
    with pytest.raises(openstack.exceptions.ForbiddenException):
        reader.compute.reboot_server(server_id, 'SOFT')

    owner.compute.lock_server(found, locked_reason='sdk maintenance')
    locked = owner.compute.get_server(server_id)
    assert (locked.is_locked, locked.locked_reason) == (True, 'sdk maintenance')
    with pytest.raises(openstack.exceptions.ConflictException, match='is locked'):
        other.compute.reboot_server(server_id, 'HARD')

    admin.compute.reboot_server(server_id, 'HARD')
    admin.compute.wait_for_server(admin.compute.get_server(server_id), **SDK_WAIT)
    owner.compute.unlock_server(found)
    assert owner.compute.get_server(server_id).is_locked is False

    actions = list(owner.compute.server_actions(found))
    member, admin_id = identity['users']['demo-member'], identity['users']['admin']
    assert [(a.action, a.user_id) for a in actions] == [
        ('unlock', member), ('reboot', admin_id), ('lock', member), ('reboot', member),
        ('create', member)]
    expected = {'unlock': 'api_unlock', 'reboot': 'compute_reboot_instance', 'lock': 'api_lock'}
    for action in actions[:4]:
        shown = owner.compute.get_server_action(action.request_id, found)
        assert [(e.event, e.result) for e in shown.events] == [
            (expected[action.action], 'Success')]
