"""Live migration across three fake computes: with and without a host the guest moves
and runs on exactly one host, an abort leaves it on the source, a force-complete ends
the copy, Nova's refusals (state, lock, policy, host, microversion body rules), and the
notifications match Nova's samples."""

import json
import threading

import pytest
import sqlalchemy as sa

from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.api.db import resize_store
from cepheid.compute import resize_recovery
from tests.fixtures import http
from tests.fixtures import nova_samples
from tests.functional import conftest
from tests.functional import three_hosts

HOSTS, ADMIN = three_hosts.HOSTS, three_hosts.ADMIN


@pytest.fixture
def stack():
    running = three_hosts.start()
    yield running
    running.stop()




def _wait_idle(client, server_id):
    """The server has no task and its migrations ended (the source gives its claim back
    after the destination took the server)."""
    def done(server):
        return server['OS-EXT-STS:task_state'] is None and all(
            m['status'] in ('completed', 'error', 'cancelled')
            for m in _migrations(client, server_id))
    return conftest.wait_for_server(client, server_id, done, token=ADMIN)


def _live(client, server_id, token=ADMIN, **options):
    value = {'block_migration': 'auto', 'host': None, **options}
    return client.post(f'/servers/{server_id}/action', {'os-migrateLive': value},
                       token=token)


def _used(db):
    with db.transaction() as session:
        return {r.host: r.memory_mb_used for r in session.scalars(
            sa.select(models.ComputeNode))}


def _migrations(client, server_id):
    status, body = client.get(f'/os-migrations?instance_uuid={server_id}', token=ADMIN)
    assert status == 200
    return body['migrations']


def _events(client, server_id, action):
    """(event, result) of the server's newest ``action``; [] before it is recorded."""
    _, body = client.get(f'/servers/{server_id}/os-instance-actions', token=ADMIN)
    request_ids = [a['request_id'] for a in body['instanceActions'] if a['action'] == action]
    if not request_ids:
        return []
    _, body = client.get(f'/servers/{server_id}/os-instance-actions/{request_ids[0]}',
                         token=ADMIN)
    return [(e['event'], e['result']) for e in body['instanceAction']['events']]


def _running_migration(client, server_id):
    """Wait until the server's live migration copies (GET /servers/{id}/migrations)."""
    def running(_):
        _, body = client.get(f'/servers/{server_id}/migrations', token=ADMIN)
        return any(m['status'] == 'running' for m in body['migrations'])
    conftest.wait_for_server(client, server_id, running, token=ADMIN)
    _, body = client.get(f'/servers/{server_id}/migrations', token=ADMIN)
    [migration] = body['migrations']
    return migration


def _guests(stack, server_id):
    return {h: c.driver.guests[server_id] for h, c in stack.computes.items()
            if server_id in c.driver.guests}


def test_live_migration_without_host_moves_the_guest(stack, client):
    server = three_hosts.create_on(client)
    booted = _guests(stack, server['id'])['compute1']
    status, body = _live(client, server['id'])
    assert (status, body) == (202, None)
    moved = _wait_idle(client, server['id'])
    dest = moved['OS-EXT-SRV-ATTR:host']
    assert moved['status'] == 'ACTIVE' and dest != 'compute1'
    # The same guest (its boots, console) runs on the destination only.
    guests = _guests(stack, server['id'])
    assert list(guests) == [dest]
    assert (guests[dest].power_state, guests[dest].boots, guests[dest].console) == (
        1, booted.boots, booted.console)
    assert _used(stack.db) == {h: (512 if h == dest else 0) for h in HOSTS}
    [migration] = _migrations(client, server['id'])
    assert (migration['migration_type'], migration['status'], migration['source_compute'],
            migration['dest_compute']) == ('live-migration', 'completed', 'compute1', dest)
    _, actions = client.get(f"/servers/{server['id']}/os-instance-actions", token=ADMIN)
    assert actions['instanceActions'][0]['action'] == 'live-migration'
    # Nothing in progress any more.
    _, body = client.get(f"/servers/{server['id']}/migrations", token=ADMIN)
    assert body == {'migrations': []}


def test_live_migration_to_a_host_and_of_a_paused_server(stack, client):
    server = three_hosts.create_on(client)
    assert client.post(f"/servers/{server['id']}/action", {'pause': None},
                       token=ADMIN)[0] == 202
    conftest.wait_for_server(client, server['id'], lambda s: s['status'] == 'PAUSED',
                             token=ADMIN)
    v230 = http.Client(stack.endpoint, microversion='2.30')
    status, _ = _live(v230, server['id'], host='compute3', block_migration=False,
                      force=False)
    assert status == 202
    moved = _wait_idle(client, server['id'])
    assert (moved['status'], moved['OS-EXT-SRV-ATTR:host']) == ('PAUSED', 'compute3')
    assert {h: g.power_state for h, g in _guests(stack, server['id']).items()} == {
        'compute3': 3}


def test_abort_leaves_the_server_on_its_source(stack, client):
    server = three_hosts.create_on(client)
    stack.computes['compute1'].driver.live_migration_seconds = 120
    assert _live(client, server['id'], host='compute2')[0] == 202
    migrating = client.get(f"/servers/{server['id']}", token=ADMIN)[1]['server']
    assert migrating['status'] == 'MIGRATING'
    migration = _running_migration(client, server['id'])
    assert (migration['source_compute'], migration['dest_compute']) == ('compute1',
                                                                        'compute2')
    status, body = client.request('DELETE',
                                  f"/servers/{server['id']}/migrations/{migration['id']}",
                                  token=ADMIN)
    assert (status, body) == (202, None)
    back = _wait_idle(client, server['id'])
    assert (back['status'], back['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    assert list(_guests(stack, server['id'])) == ['compute1']
    assert _migrations(client, server['id'])[0]['status'] == 'cancelled'
    assert _used(stack.db) == {'compute1': 512, 'compute2': 0, 'compute3': 0}
    _, actions = client.get(f"/servers/{server['id']}/os-instance-actions", token=ADMIN)
    assert [a['action'] for a in actions['instanceActions']][:2] == [
        'live_migration_cancel', 'live-migration']


def _abort_from_2_65(stack, client, sid, state):
    """Once the server's one migration is ``state``: its DELETE is refused before 2.65
    (Nova's 400: only a running migration), accepted from 2.65, and waited for until the
    source recorded the abort (its event finished)."""
    def reached(_):
        _, body = client.get(f'/servers/{sid}/migrations', token=ADMIN)
        return [m['status'] for m in body['migrations']] == [state]
    conftest.wait_for_server(client, sid, reached, token=ADMIN)
    [migration] = client.get(f'/servers/{sid}/migrations', token=ADMIN)[1]['migrations']
    url = f"/servers/{sid}/migrations/{migration['id']}"
    status, body = http.Client(stack.endpoint, microversion='2.64').request(
        'DELETE', url, token=ADMIN)
    assert status == 400 and state in body['badRequest']['message'], body
    assert client.request('DELETE', url, token=ADMIN) == (202, None)
    conftest.wait_for_server(
        client, sid, lambda _: ('compute_live_migration_abort', 'Success')
        in _events(client, sid, 'live_migration_cancel'), token=ADMIN)


def test_abort_of_a_preparing_migration_from_2_65(stack, client):
    server = three_hosts.create_on(client)
    sid = server['id']
    prepared = threading.Event()     # the destination prepares until it is set
    stack.computes['compute2'].driver.holds['pre_live_migration'] = prepared
    assert _live(client, sid, host='compute2')[0] == 202
    _abort_from_2_65(stack, client, sid, 'preparing')
    prepared.set()
    back = _wait_idle(client, sid)
    assert (back['status'], back['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    assert list(_guests(stack, sid)) == ['compute1']   # the prepared guest removed
    assert _migrations(client, sid)[0]['status'] == 'cancelled'
    assert _used(stack.db) == {'compute1': 512, 'compute2': 0, 'compute3': 0}
    # The abort is not left over for the next live migration.
    assert _live(client, sid, host='compute2')[0] == 202
    moved = _wait_idle(client, sid)
    assert moved['OS-EXT-SRV-ATTR:host'] == 'compute2'
    assert _migrations(client, sid)[0]['status'] == 'completed'


def test_abort_of_a_queued_migration_from_2_65(stack, client):
    server = three_hosts.create_on(client)
    sid = server['id']
    busy = threading.Event()
    # An operation of the server still runs on its source: the live migration waits
    # behind it in the instance's queue.
    stack.computes['compute1'].queue.submit(sid, busy.wait, 30)
    assert _live(client, sid, host='compute2')[0] == 202
    _abort_from_2_65(stack, client, sid, 'queued')
    # The source took the abort (its event finished), then the operation ahead ends.
    busy.set()
    back = _wait_idle(client, sid)
    assert (back['status'], back['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    assert _migrations(client, sid)[0]['status'] == 'cancelled'
    # Nothing was prepared on the destination, nor copied.
    calls = [c.method for c in stack.computes['compute2'].driver.calls
             if c.uuid == sid]
    assert 'pre_live_migration' not in calls
    assert list(_guests(stack, sid)) == ['compute1']
    assert _used(stack.db) == {'compute1': 512, 'compute2': 0, 'compute3': 0}


def test_force_complete_ends_the_copy(stack, client):
    server = three_hosts.create_on(client)
    stack.computes['compute1'].driver.live_migration_seconds = 120
    assert _live(client, server['id'], host='compute2')[0] == 202
    migration = _running_migration(client, server['id'])
    status, body = client.post(
        f"/servers/{server['id']}/migrations/{migration['id']}/action",
        {'force_complete': None}, token=ADMIN)
    assert (status, body) == (202, None)
    moved = _wait_idle(client, server['id'])
    assert (moved['status'], moved['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute2')
    assert list(_guests(stack, server['id'])) == ['compute2']
    assert _migrations(client, server['id'])[0]['status'] == 'completed'


def test_abort_and_force_complete_refusals(stack, client):
    server = three_hosts.create_on(client)
    url = f"/servers/{server['id']}/migrations"
    # Not migrating: 409 for both.
    assert client.request('DELETE', f'{url}/1', token=ADMIN)[0] == 409
    assert client.post(f'{url}/1/action', {'force_complete': None}, token=ADMIN)[0] == 409
    stack.computes['compute1'].driver.live_migration_seconds = 120
    assert _live(client, server['id'])[0] == 202
    migration = _running_migration(client, server['id'])
    # Another migration id: 404 for an abort, 400 for a force-complete (Nova's).
    assert client.request('DELETE', f'{url}/9999', token=ADMIN)[0] == 404
    assert client.post(f'{url}/9999/action', {'force_complete': None},
                       token=ADMIN)[0] == 400
    # Bad body, microversions before 2.22 / 2.24, and non-admins.
    assert client.post(f"{url}/{migration['id']}/action", {'force_complete': {}},
                       token=ADMIN)[0] == 400
    v221 = http.Client(stack.endpoint, microversion='2.21')
    assert v221.post(f"{url}/{migration['id']}/action", {'force_complete': None},
                     token=ADMIN)[0] == 404
    v223 = http.Client(stack.endpoint, microversion='2.23')
    assert v223.request('DELETE', f"{url}/{migration['id']}", token=ADMIN)[0] == 404
    assert client.request('DELETE', f"{url}/{migration['id']}")[0] == 404  # not the owner
    assert client.request('DELETE', f"{url}/{migration['id']}", token=ADMIN)[0] == 202
    _wait_idle(client, server['id'])


def test_refusals_of_os_migrate_live(stack, client):
    server = three_hosts.create_on(client)
    sid = server['id']
    v224 = http.Client(stack.endpoint, microversion='2.24')
    v225 = http.Client(stack.endpoint, microversion='2.25')
    v268 = http.Client(stack.endpoint, microversion='2.68')
    # Policy: admin only (the member owns no such server: it is an admin's).
    member_server = client.post('/servers', {'server': {'name': 'm', 'flavorRef': '1'}})[1]
    member_id = member_server['server']['id']
    conftest.wait_for_server(client, member_id, conftest.idle)
    assert _live(client, member_id, token=http.MEMBER)[0] == 403
    # Host: unknown, or the server's own.
    assert _live(client, sid, host='nowhere')[0] == 400
    assert _live(client, sid, host='compute1')[0] == 400
    # Body rules per microversion.
    assert _live(v224, sid)[0] == 400                          # "auto" only from 2.25
    assert _live(v224, sid, block_migration=False)[0] == 400   # disk_over_commit needed
    assert _live(v225, sid, disk_over_commit=False)[0] == 400  # gone in 2.25
    assert _live(v225, sid, force=True, host='compute2')[0] == 400   # only 2.30-2.67
    assert _live(client, sid, force=False)[0] == 400           # gone in 2.68
    assert _live(v268, sid, block_migration='maybe')[0] == 400
    status, body = _live(http.Client(stack.endpoint, microversion='2.30'), sid, force=True)
    assert status == 400 and 'non-provided destination' in body['badRequest']['message']
    assert client.post(f'/servers/{sid}/action', {'os-migrateLive': {'host': None}},
                       token=ADMIN)[0] == 400
    # Nova's 404 for a missing server.
    assert _live(client, '00000000-0000-0000-0000-000000000000')[0] == 404
    # State: SHUTOFF and SUSPENDED are 409.
    for action, status_name in (('os-stop', 'SHUTOFF'), ('os-start', 'ACTIVE'),
                                ('suspend', 'SUSPENDED')):
        client.post(f'/servers/{sid}/action', {action: None}, token=ADMIN)
        conftest.wait_for_server(client, sid, lambda s, n=status_name: s['status'] == n
                                 and s['OS-EXT-STS:task_state'] is None, token=ADMIN)
        if status_name != 'ACTIVE':
            status, body = _live(client, sid)
            assert status == 409, body
    # Nothing was recorded as a migration.
    assert _migrations(client, sid) == []
    # Pre-2.25 body, accepted.
    client.post(f'/servers/{sid}/action', {'resume': None}, token=ADMIN)
    conftest.wait_for_server(client, sid, lambda s: s['status'] == 'ACTIVE', token=ADMIN)
    assert _live(v224, sid, block_migration=False, disk_over_commit=False)[0] == 202
    assert _wait_idle(client, sid)['OS-EXT-SRV-ATTR:host'] != 'compute1'


def test_a_locked_server_is_409_when_the_policy_lets_members(tmp_path):
    policy = tmp_path / 'policy.json'
    policy.write_text(json.dumps({
        'os_compute_api:os-migrate-server:migrate_live': 'role:member'}))
    running = three_hosts.start(hosts=HOSTS[:2], **{'oslo_policy.policy_file': str(policy)})
    try:
        client = http.Client(running.endpoint)
        _, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
        sid = body['server']['id']
        conftest.wait_for_server(client, sid, conftest.idle)
        assert client.post(f'/servers/{sid}/action', {'lock': None})[0] == 202
        status, body = _live(client, sid, token=http.MEMBER)
        assert status == 409 and 'is locked' in body['conflictingRequest']['message']
    finally:
        running.stop()


def test_a_failed_live_migration_rolls_back_to_the_source(stack, client):
    server = three_hosts.create_on(client)
    stack.computes['compute2'].driver.fail(
        'pre_live_migration', RuntimeError('no room for the incoming guest'))
    assert _live(client, server['id'], host='compute2')[0] == 202
    back = _wait_idle(client, server['id'])
    assert (back['status'], back['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    assert list(_guests(stack, server['id'])) == ['compute1']
    assert _migrations(client, server['id'])[0]['status'] == 'error'
    assert _used(stack.db) == {'compute1': 512, 'compute2': 0, 'compute3': 0}


def test_notifications_match_nova_samples(stack, client):
    server = three_hosts.create_on(client)
    for compute in stack.computes.values():
        compute.driver.live_migration_seconds = 120
    # compute1 -> compute2 (forced), back (aborted): every step's notification.
    assert _live(client, server['id'], host='compute2')[0] == 202
    migration = _running_migration(client, server['id'])
    client.post(f"/servers/{server['id']}/migrations/{migration['id']}/action",
                {'force_complete': None}, token=ADMIN)
    _wait_idle(client, server['id'])
    assert _live(client, server['id'], host='compute1')[0] == 202
    migration = _running_migration(client, server['id'])
    client.request('DELETE', f"/servers/{server['id']}/migrations/{migration['id']}",
                   token=ADMIN)
    wanted = {f'instance.live_migration_{a}.{p}'
              for a in ('pre', 'post', 'post_dest', 'rollback', 'rollback_dest', 'abort',
                        'force_complete') for p in ('start', 'end')}
    events = stack.recorder.wait_for(
        lambda evs: wanted <= {e[2] for e in evs if e[3].get('nova_object.data', {})
                               .get('uuid') == server['id']}, timeout=20)
    corpus = nova_samples.Corpus()
    seen = {}
    for _, publisher, event_type, payload in events:
        if event_type in wanted and payload['nova_object.data']['uuid'] == server['id']:
            message = {'priority': 'INFO', 'event_type': event_type,
                       'publisher_id': publisher, 'payload': payload}
            seen[event_type] = corpus.compare(message, binary_prefix='cepheid')
    assert seen == dict.fromkeys(wanted, [])


def _interrupted(stack, server_id, status):
    """The database as a source killed mid-migration leaves it: the server migrating,
    the destination's claim held, the migration at ``status``."""
    with stack.db.transaction() as session:
        instance = db_instances.update(session, server_id, {'task_state': 'migrating'})
        db_nodes.claim(session, host='compute2', vcpus=1, memory_mb=512, disk_gb=1)
        flavor = {k: instance[k] for k in resize_store.FLAVOR_FIELDS}
        db_migrations.create(session, {
            'instance_uuid': server_id, 'migration_type': 'live-migration',
            'status': status, 'source_compute': 'compute1', 'source_node': 'compute1',
            'dest_compute': 'compute2', 'dest_node': 'compute2', 'dest_host': 'compute2',
            'old_flavor': flavor, 'new_flavor': flavor, 'old_vm_state': 'active'})


def test_a_restarted_source_rolls_back_a_copy_in_progress(stack, client):
    server = three_hosts.create_on(client)
    _interrupted(stack, server['id'], 'running')
    source = stack.computes['compute1']
    assert resize_recovery.recover(source.manager, source.queue) == {
        server['id']: 'recover_live_migration'}
    back = _wait_idle(client, server['id'])
    assert (back['status'], back['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    assert list(_guests(stack, server['id'])) == ['compute1']
    assert _migrations(client, server['id'])[0]['status'] == 'error'
    assert _used(stack.db) == {'compute1': 512, 'compute2': 0, 'compute3': 0}


def test_a_restarted_source_completes_a_copy_that_finished(stack, client):
    server = three_hosts.create_on(client)
    _interrupted(stack, server['id'], 'post-migrating')
    source = stack.computes['compute1']
    source.driver.guests.pop(server['id'])      # the guest had left
    assert resize_recovery.recover(source.manager, source.queue) == {
        server['id']: 'recover_live_migration'}
    moved = _wait_idle(client, server['id'])
    assert (moved['status'], moved['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute2')
    assert list(_guests(stack, server['id'])) == ['compute2']
    assert _migrations(client, server['id'])[0]['status'] == 'completed'
    assert _used(stack.db) == {'compute1': 0, 'compute2': 512, 'compute3': 0}
