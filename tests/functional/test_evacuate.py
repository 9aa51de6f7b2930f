"""Evacuate across three fake computes: a server of a down host is rebuilt on another
(scheduled or named), the source refused while up, Nova's errors per microversion, and
the source's clean-up when it starts again — its copy destroyed, never restarted, the
guest running only on the destination, the claims right."""

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from tests.fixtures import http
from tests.fixtures import nova_samples
from tests.functional import conftest
from tests.functional import three_hosts

HOSTS, ADMIN = three_hosts.HOSTS, three_hosts.ADMIN
RUNNING, SHUTDOWN = 1, 4


@pytest.fixture
def stack():
    running = three_hosts.start()
    yield running
    running.stop()




def _idle(client, server_id):
    return conftest.wait_for_server(
        client, server_id, lambda s: s['OS-EXT-STS:task_state'] is None, token=ADMIN)


def _evacuate(client, server_id, value=None, token=ADMIN):
    return client.post(f'/servers/{server_id}/action', {'evacuate': value or {}},
                       token=token)


_service = three_hosts.service
_take_down = three_hosts.take_down
_restart = three_hosts.restart
_bring_back = three_hosts.bring_back


def _guest(stack, host, server_id):
    return stack.computes[host].driver.guests.get(server_id)


def _migration(client, server_id):
    status, body = client.get(f'/os-migrations?instance_uuid={server_id}', token=ADMIN)
    assert status == 200
    return body['migrations'][0]


def _used(stack):
    with stack.db.transaction() as session:
        return {r.host: r.memory_mb_used for r in session.scalars(sa.select(models.ComputeNode))}


def _events(client, server_id, action):
    _, body = client.get(f'/servers/{server_id}/os-instance-actions', token=ADMIN)
    request_id = next(a['request_id'] for a in body['instanceActions']
                      if a['action'] == action)
    _, body = client.get(f'/servers/{server_id}/os-instance-actions/{request_id}',
                         token=ADMIN)
    return [(e['event'], e['result']) for e in body['instanceAction']['events']]


def test_evacuate_rebuilds_on_a_scheduled_host_and_the_source_cleans_up(stack, client):
    server = three_hosts.create_on(client)
    sid = server['id']
    _take_down(stack, client, 'compute1')
    status, body = _evacuate(client, sid)
    assert (status, body) == (200, None)
    moved = _idle(client, sid)
    dest = moved['OS-EXT-SRV-ATTR:host']
    assert moved['status'] == 'ACTIVE' and dest in ('compute2', 'compute3')
    assert _guest(stack, dest, sid).power_state == RUNNING
    migration = _migration(client, sid)
    assert (migration['migration_type'], migration['status'], migration['source_compute'],
            migration['dest_compute']) == ('evacuation', 'done', 'compute1', dest)
    assert sorted(_events(client, sid, 'evacuate')) == [
        ('compute_rebuild_instance', 'Success'), ('conductor_rebuild_server', 'Success')]
    # The source's claim is held until it comes back and cleans up.
    assert _used(stack)['compute1'] == 512 and _used(stack)[dest] == 512
    # Its copy is still there, as on a host that lost the network.
    assert _guest(stack, 'compute1', sid).power_state == RUNNING

    source = _bring_back(stack, client, 'compute1')
    assert source.evacuated == {sid}
    assert _guest(stack, 'compute1', sid) is None
    assert _guest(stack, dest, sid).power_state == RUNNING
    assert _migration(client, sid)['status'] == 'completed'
    assert _used(stack) == {h: (512 if h == dest else 0) for h in HOSTS}
    after = _idle(client, sid)
    assert (after['status'], after['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', dest)
    # A sync of the source now finds nothing of it; the destination keeps it running.
    assert sid not in source.power_sync.sync_all()
    assert [c.method for c in source.driver.calls if c.uuid == sid][-1] == 'destroy'
    # Started again later, the source has nothing left to clean.
    source.stop(graceful=False)
    assert _bring_back(stack, client, 'compute1').evacuated == set()


def test_evacuate_to_a_named_host_keeps_a_stopped_server_stopped(stack, client):
    server = three_hosts.create_on(client)
    sid = server['id']
    assert client.post(f'/servers/{sid}/action', {'os-stop': None}, token=ADMIN)[0] == 202
    conftest.wait_for_server(client, sid, lambda s: s['status'] == 'SHUTOFF'
                             and s['OS-EXT-STS:task_state'] is None, token=ADMIN)
    _take_down(stack, client, 'compute1')
    assert _evacuate(client, sid, {'host': 'compute3'})[0] == 200
    moved = _idle(client, sid)
    assert (moved['status'], moved['OS-EXT-SRV-ATTR:host']) == ('SHUTOFF', 'compute3')
    assert moved['OS-EXT-STS:power_state'] == SHUTDOWN
    assert _guest(stack, 'compute3', sid).power_state == SHUTDOWN
    assert _guest(stack, 'compute2', sid) is None


def test_evacuate_refused_while_the_source_compute_is_up(stack, client):
    sid = three_hosts.create_on(client)['id']
    status, body = _evacuate(client, sid)
    assert status == 400
    assert body['badRequest']['message'] == 'Compute service of compute1 is still in use.'
    server = _idle(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    _, body = client.get(f'/os-migrations?instance_uuid={sid}', token=ADMIN)
    assert body['migrations'] == []


def test_errors_by_microversion_policy_and_state(stack, client):
    sid = three_hosts.create_on(client)['id']
    _take_down(stack, client, 'compute1')
    # Admin only (os_compute_api:os-evacuate); another project's server is a 404 first.
    assert _evacuate(client, sid, token=http.MEMBER)[0] == 404
    member = _create_member_server(client)
    assert _evacuate(client, member, token=http.MEMBER)[0] == 403
    status, body = _evacuate(client, sid, {'host': 'nope'})
    assert (status, body['itemNotFound']['message']) == (404, 'Compute host nope not found.')
    status, body = _evacuate(client, sid, {'host': 'compute1'})
    assert (status, body['badRequest']['message']) == (
        400, "The target host can't be the same one.")
    assert _evacuate(client, 'f' * 8 + '-0000-0000-0000-' + '0' * 12)[0] == 404
    # Before 2.14 onSharedStorage is required; a password on shared storage is refused.
    v213 = http.Client(stack.endpoint, microversion='2.13')
    assert _evacuate(v213, sid, {'host': 'compute2'})[0] == 400
    status, body = _evacuate(v213, sid, {'onSharedStorage': True, 'adminPass': 'x'})
    assert (status, body['badRequest']['message']) == (
        400, "admin password can't be changed on existing disk")
    assert _evacuate(client, sid, {'onSharedStorage': False})[0] == 400
    # force: 2.29 to 2.67, and only with a host.
    v229 = http.Client(stack.endpoint, microversion='2.29')
    status, body = _evacuate(v229, sid, {'force': True})
    assert (status, body['badRequest']['message']) == (
        400, "Can't force to a non-provided destination")
    assert _evacuate(client, sid, {'host': 'compute2', 'force': True})[0] == 400
    # Nova's allowed states: ACTIVE, SHUTOFF, ERROR, no task.
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Instance).where(models.Instance.uuid == sid)
                        .values(vm_state='paused'))
    status, body = _evacuate(client, sid)
    assert status == 409 and 'vm_state paused' in body['conflictingRequest']['message']
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Instance).where(models.Instance.uuid == sid)
                        .values(vm_state='active'))
    # Before 2.14 the answer carries the admin password (generated or given).
    status, body = _evacuate(v213, sid, {'onSharedStorage': False, 'adminPass': 'secret'})
    assert (status, body) == (200, {'adminPass': 'secret'})
    _idle(client, sid)


def _create_member_server(client):
    status, body = client.post('/servers', {'server': {'name': 'mine', 'flavorRef': '1'}})
    assert status == 202, body
    return conftest.wait_for_server(client, body['server']['id'], conftest.idle)['id']


def test_no_valid_host_ends_the_server_in_error(stack, client):
    sid = three_hosts.create_on(client)['id']
    for host in ('compute2', 'compute3'):
        client.request('PUT', f"/os-services/{_service(client, host)['id']}",
                       {'status': 'disabled'}, token=ADMIN)
    _take_down(stack, client, 'compute1')
    # As in Nova, the request is accepted; the placement fails after it.
    assert _evacuate(client, sid)[0] == 200
    server = _idle(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ERROR', 'compute1')
    assert server['fault']['message'].startswith('No valid host was found.')
    assert _migration(client, sid)['status'] == 'error'
    assert _events(client, sid, 'evacuate') == [('conductor_rebuild_server', 'Error')]
    assert _used(stack) == {'compute1': 512, 'compute2': 0, 'compute3': 0}


def test_a_failed_rebuild_on_the_destination_errors_the_server_where_it_was(stack, client):
    sid = three_hosts.create_on(client)['id']
    _take_down(stack, client, 'compute1')
    stack.computes['compute2'].driver.fail('spawn', RuntimeError('no disk for you'))
    assert _evacuate(client, sid, {'host': 'compute2'})[0] == 200
    server = _idle(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ERROR', 'compute1')
    assert 'no disk for you' in server['fault']['message']
    assert _migration(client, sid)['status'] == 'failed'
    assert _guest(stack, 'compute2', sid) is None
    assert _used(stack) == {'compute1': 512, 'compute2': 0, 'compute3': 0}
    # The source comes back: a failed evacuation leaves its guest alone.
    source = _bring_back(stack, client, 'compute1')
    assert source.evacuated == set()
    assert _guest(stack, 'compute1', sid) is not None


def test_notifications_match_nova_samples(stack, client):
    sid = three_hosts.create_on(client)['id']
    _take_down(stack, client, 'compute1')
    assert _evacuate(client, sid)[0] == 200
    _idle(client, sid)
    wanted = {'instance.evacuate', 'instance.rebuild.start', 'instance.rebuild.end'}
    events = stack.recorder.wait_for(
        lambda evs: wanted <= {e[2] for e in evs if isinstance(e[3], dict) and e[3].get(
            'nova_object.data', {}).get('uuid') == sid}, timeout=20)
    corpus = nova_samples.Corpus()
    seen = {}
    for _, publisher, event_type, payload in events:
        if event_type in wanted and payload['nova_object.data']['uuid'] == sid:
            message = {'priority': 'INFO', 'event_type': event_type,
                       'publisher_id': publisher, 'payload': payload}
            seen[event_type] = corpus.compare(message, binary_prefix='cepheid')
            data = payload['nova_object.data']
            if event_type == 'instance.evacuate':
                assert (publisher.split(':')[0], data['host'], data['task_state']) == (
                    'cepheid-api', 'compute1', 'rebuilding')
    assert seen == dict.fromkeys(wanted, [])
    # The legacy notifications come on their own topic: each may arrive after its
    # versioned twin.
    legacy = {'compute.instance.evacuate', 'compute.instance.rebuild.start',
              'compute.instance.rebuild.end'}
    stack.recorder.wait_for(lambda evs: legacy <= {
        e[2] for e in evs if e[2].startswith('compute.instance.')
        and isinstance(e[3], dict) and e[3].get('instance_id') == sid}, timeout=20)


def test_a_destination_restarted_mid_evacuation_evacuates_again(stack, client):
    sid = three_hosts.create_on(client)['id']
    _take_down(stack, client, 'compute1')
    # The destination stops before it takes the cast (it still counts as up).
    stack.computes['compute2'].stop(graceful=False)
    assert _evacuate(client, sid, {'host': 'compute2'})[0] == 200
    assert _migration(client, sid)['status'] == 'accepted'
    dest = _restart(stack, 'compute2')
    assert dest.redone_evacuations == {sid}
    server = _idle(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute2')
    assert 'fault' not in server
    assert _migration(client, sid)['status'] == 'done'
    assert _guest(stack, 'compute2', sid).power_state == RUNNING
    assert sorted(_events(client, sid, 'evacuate')) == [
        ('compute_rebuild_instance', 'Success'), ('conductor_rebuild_server', 'Success')]
