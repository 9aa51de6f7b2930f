"""Deleting a server in the middle of a move leaves no guest on any host (issue 17): a
resized one (VERIFY_RESIZE) has its move confirmed on deleting, as Nova's
_confirm_resize_on_deleting (migration ``confirmed``, the source's copy destroyed) — and
when its source is down, the source destroys its copy when it starts again; a
live-migrating one has its copy aborted (migration ``error``, the destination's prepared
guest and the source's both gone)."""

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from tests.fixtures import power_stack
from tests.functional import conftest
from tests.functional import three_hosts

HOSTS, ADMIN = three_hosts.HOSTS, three_hosts.ADMIN


@pytest.fixture
def stack():
    running = three_hosts.start()
    yield running
    running.stop()




def _hosts_with_guest(stack, server_id):
    return sorted(h for h, c in stack.computes.items() if server_id in c.driver.guests)


def _migrations(client, server_id):
    status, body = client.get(f'/os-migrations?instance_uuid={server_id}', token=ADMIN)
    assert status == 200
    return body['migrations']


def _used(db):
    with db.transaction() as session:
        return {r.host: r.memory_mb_used for r in session.scalars(
            sa.select(models.ComputeNode))}


def _delete_and_wait_gone(stack, client, server_id):
    status, body = client.request('DELETE', f'/servers/{server_id}', token=ADMIN)
    assert status == 204, body
    power_stack.wait_until(
        lambda: client.get(f'/servers/{server_id}', token=ADMIN)[0] == 404
        and not _hosts_with_guest(stack, server_id))


def test_deleting_a_resized_server_confirms_and_destroys_both_guests(stack, client):
    server = resized = _resized(client)
    dest = resized['OS-EXT-SRV-ATTR:host']
    assert _hosts_with_guest(stack, server['id']) == sorted(['compute1', dest])

    _delete_and_wait_gone(stack, client, server['id'])

    [migration] = _migrations(client, server['id'])
    assert (migration['status'], migration['source_compute'], migration['dest_compute']) \
        == ('confirmed', 'compute1', dest)
    assert _used(stack.db) == {h: 0 for h in HOSTS}


def _resized(client, host='compute1'):
    server = three_hosts.create_on(client, host)
    status, body = client.post(f"/servers/{server['id']}/action",
                               {'resize': {'flavorRef': '2'}}, token=ADMIN)
    assert status == 202, body
    resized = conftest.wait_for_server(
        client, server['id'],
        lambda s: s['status'] in ('VERIFY_RESIZE', 'ERROR')
        and s['OS-EXT-STS:task_state'] is None, token=ADMIN)
    assert resized['status'] == 'VERIFY_RESIZE'
    return resized


def test_a_resized_server_deleted_while_its_source_is_down_leaves_no_guest(stack, client):
    resized = _resized(client)
    sid, dest = resized['id'], resized['OS-EXT-SRV-ATTR:host']
    three_hosts.take_down(stack, client, 'compute1')
    status, body = client.request('DELETE', f'/servers/{sid}', token=ADMIN)
    assert status == 204, body
    power_stack.wait_until(
        lambda: client.get(f'/servers/{sid}', token=ADMIN)[0] == 404
        and _hosts_with_guest(stack, sid) == ['compute1'])
    # The confirm cast by the delete never reaches the source (a broker restart).
    assert three_hosts.lose_queued_casts(stack, 'compute1') == 1
    # Its source comes back: the copy of the deleted server goes, nothing else.
    other = three_hosts.create_on(client, dest)['id']
    stack.computes['compute1'].driver.guests[other] = stack.computes[dest].driver.guests[
        other]   # a guest of an instance living elsewhere, with no move away from here
    three_hosts.bring_back(stack, client, 'compute1')
    power_stack.wait_until(lambda: _hosts_with_guest(stack, sid) == [])
    assert _hosts_with_guest(stack, other) == sorted(['compute1', dest])
    [migration] = _migrations(client, sid)
    assert (migration['status'], migration['source_compute']) == ('confirmed', 'compute1')
    assert _used(stack.db) == {h: (512 if h == dest else 0) for h in HOSTS}


def test_deleting_a_live_migrating_server_leaves_no_guest_on_either_host(stack, client):
    server = three_hosts.create_on(client)
    stack.computes['compute1'].driver.live_migration_seconds = 120   # the copy stays open
    status, _ = client.post(f"/servers/{server['id']}/action",
                            {'os-migrateLive': {'block_migration': 'auto',
                                                'host': 'compute2'}}, token=ADMIN)
    assert status == 202

    def copying(_):
        _, body = client.get(f"/servers/{server['id']}/migrations", token=ADMIN)
        return any(m['status'] == 'running' for m in body['migrations'])
    conftest.wait_for_server(client, server['id'], copying, token=ADMIN)
    # The destination prepared its (incoming) guest; the source still runs its own.
    assert _hosts_with_guest(stack, server['id']) == ['compute1', 'compute2']

    _delete_and_wait_gone(stack, client, server['id'])

    [migration] = _migrations(client, server['id'])
    assert (migration['status'], migration['migration_type'], migration['source_compute'],
            migration['dest_compute']) == ('error', 'live-migration', 'compute1', 'compute2')
    assert _used(stack.db) == {h: 0 for h in HOSTS}
