"""Server groups on a move, across three fake computes, as Nova's scheduler does:
resize, cold and live migration and evacuate of an anti-affinity member never land on a
host holding another member; an affinity member has no other host to go to (Nova's No
valid host: 400, or ERROR for an evacuate), unless a resize may stay on its host; the
soft policies only order the hosts."""

import pytest

from tests.fixtures import http
from tests.functional import conftest
from tests.functional import three_hosts

ADMIN = three_hosts.ADMIN
NO_VALID_HOST = 'No valid host was found.'


@pytest.fixture
def stack():
    running = three_hosts.start()
    yield running
    running.stop()



def _group(client, policy):
    status, body = client.post('/os-server-groups', {'server_group': {
        'name': policy, 'policy': policy}}, token=ADMIN)
    assert status == 200, body
    return body['server_group']['id']


def _action(client, server_id, body):
    return client.post(f'/servers/{server_id}/action', body, token=ADMIN)


def _settled(client, server_id):
    return conftest.wait_for_server(
        client, server_id,
        lambda s: s['OS-EXT-STS:task_state'] is None
        and s['status'] in ('ACTIVE', 'VERIFY_RESIZE', 'ERROR'), token=ADMIN)


def _host(client, server_id):
    return _settled(client, server_id)['OS-EXT-SRV-ATTR:host']


def _migrate_and_confirm(client, server_id, **value):
    status, body = _action(client, server_id, {'migrate': value or None})
    assert status == 202, body
    moved = _settled(client, server_id)
    assert moved['status'] == 'VERIFY_RESIZE', moved
    assert _action(client, server_id, {'confirmResize': None})[0] == 204
    conftest.wait_for_server(client, server_id, conftest.idle, token=ADMIN)
    return moved['OS-EXT-SRV-ATTR:host']


def _live(client, server_id, host=None):
    return _action(client, server_id, {'os-migrateLive': {'block_migration': 'auto',
                                                          'host': host}})


def _refused(answer):
    status, body = answer
    assert status == 400 and body['badRequest']['message'].startswith(NO_VALID_HOST), body


def test_an_anti_affinity_member_moves_only_to_a_host_without_another(stack, client):
    group = _group(client, 'anti-affinity')
    first = three_hosts.create_on(client, 'compute1', group=group)['id']
    second = three_hosts.create_on(client, 'compute2', group=group)['id']
    # A bigger server outside the group: by free RAM alone compute2 would be picked.
    three_hosts.create_on(client, 'compute3', flavor='2')
    # Named hosts holding the other member: Nova's No valid host, nothing changed.
    _refused(_action(client, first, {'migrate': {'host': 'compute2'}}))
    _refused(_live(client, first, host='compute2'))
    assert _host(client, first) == 'compute1'
    # Scheduled: the only host without a member.
    assert _migrate_and_confirm(client, first) == 'compute3'
    assert _live(client, second)[0] == 202
    conftest.wait_for_server(
        client, second, lambda s: conftest.idle(s)
        and s['OS-EXT-SRV-ATTR:host'] != 'compute2', token=ADMIN)
    assert _host(client, second) == 'compute1'
    # A third member on the host left free: every host holds one, a resize has nowhere
    # to go.
    three_hosts.create_on(client, 'compute2', group=group)
    _refused(_action(client, second, {'resize': {'flavorRef': '2'}}))


def test_an_anti_affinity_member_is_evacuated_away_from_the_other(stack, client):
    group = _group(client, 'anti-affinity')
    first = three_hosts.create_on(client, 'compute1', group=group)['id']
    three_hosts.create_on(client, 'compute2', group=group)
    three_hosts.create_on(client, 'compute3', flavor='2')
    three_hosts.take_down(stack, client, 'compute1')
    assert _action(client, first, {'evacuate': {}})[0] == 200
    evacuated = conftest.wait_for_server(
        client, first, lambda s: s['OS-EXT-STS:task_state'] is None
        and s['OS-EXT-SRV-ATTR:host'] != 'compute1', token=ADMIN)
    assert (evacuated['status'], evacuated['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute3')


def test_an_affinity_member_has_no_other_host_to_move_to(stack, client):
    group = _group(client, 'affinity')
    first = three_hosts.create_on(client, 'compute1', group=group)['id']
    second = three_hosts.create_on(client, 'compute1', group=group)['id']
    _refused(_action(client, first, {'migrate': None}))
    _refused(_action(client, first, {'resize': {'flavorRef': '2'}}))
    _refused(_live(client, first))
    _refused(_live(client, first, host='compute2'))
    server = _settled(client, first)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    # Evacuate answers 200 as Nova, then the server is ERROR with the scheduler's fault.
    three_hosts.take_down(stack, client, 'compute1')
    assert _action(client, first, {'evacuate': {}})[0] == 200
    failed = conftest.wait_for_server(client, first, lambda s: s['status'] == 'ERROR',
                                      token=ADMIN)
    assert failed['fault']['message'].startswith(NO_VALID_HOST)
    assert failed['OS-EXT-SRV-ATTR:host'] == 'compute1'
    # A forced host (2.29-2.67) skips the filters, the group's too, as in Nova.
    v229 = http.Client(stack.endpoint, microversion='2.29')
    assert _action(v229, second, {'evacuate': {'host': 'compute2', 'force': True}})[0] == 200
    forced = conftest.wait_for_server(
        client, second, lambda s: s['OS-EXT-STS:task_state'] is None
        and s['OS-EXT-SRV-ATTR:host'] == 'compute2', token=ADMIN)
    assert forced['status'] == 'ACTIVE'


def test_an_affinity_member_resized_on_its_own_host_when_allowed():
    running = three_hosts.start(allow_resize_to_same_host=True)
    try:
        client = http.Client(running.endpoint)
        group = _group(client, 'affinity')
        first = three_hosts.create_on(client, 'compute1', group=group)['id']
        three_hosts.create_on(client, 'compute1', group=group)
        assert _action(client, first, {'resize': {'flavorRef': '2'}})[0] == 202
        resized = _settled(client, first)
        assert (resized['status'], resized['OS-EXT-SRV-ATTR:host'],
                resized['flavor']['original_name']) == ('VERIFY_RESIZE', 'compute1', 'm1.small')
    finally:
        running.stop()


def test_soft_policies_order_the_hosts_of_a_move_and_never_refuse(stack, client):
    # soft-anti-affinity: away from the other member, though compute2 has more free RAM.
    spread = _group(client, 'soft-anti-affinity')
    first = three_hosts.create_on(client, 'compute1', group=spread)['id']
    three_hosts.create_on(client, 'compute2', group=spread)
    three_hosts.create_on(client, 'compute3', flavor='3')
    assert _migrate_and_confirm(client, first) == 'compute3'
    # soft-affinity: towards the other member, though compute2 has the most free RAM.
    together = _group(client, 'soft-affinity')
    third = three_hosts.create_on(client, 'compute1', group=together)['id']
    three_hosts.create_on(client, 'compute3', group=together)
    assert _migrate_and_confirm(client, third) == 'compute3'
    # Members on every host: a soft policy still lets the move go.
    three_hosts.create_on(client, 'compute1', group=spread)
    assert _migrate_and_confirm(client, first) in ('compute1', 'compute2')
