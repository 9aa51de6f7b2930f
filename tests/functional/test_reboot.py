"""Reboot through the REST API, end to end in one process (DESIGN §3, §5)."""

import concurrent.futures

import pytest

from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server


def _reboot(client, server_id, reboot_type='SOFT', token=http.MEMBER):
    return client.post(f'/servers/{server_id}/action', {'reboot': {'type': reboot_type}},
                       token=token)


def _driver(stack, server):
    host = wait_host(stack, server['id'])
    return stack.computes[host].driver


def wait_host(stack, server_id):
    for host, compute in stack.computes.items():
        if server_id in compute.driver.guests:
            return host
    raise AssertionError(f'{server_id} on no compute')


@pytest.mark.parametrize('reboot_type,status', [('SOFT', 'REBOOT'), ('HARD', 'HARD_REBOOT')])
def test_reboot_is_202_then_shows_reboot_status_then_active(stack, client, server,
                                                            reboot_type, status):
    driver = _driver(stack, server)
    driver.delay = 0.3
    code, body = _reboot(client, server['id'], reboot_type)
    assert (code, body) == (202, None)
    seen = wait_for_server(client, server['id'], lambda s: s['status'] == status)
    assert seen['OS-EXT-STS:task_state'] in {
        'REBOOT': ('rebooting', 'reboot_pending', 'reboot_started'),
        'HARD_REBOOT': ('rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'),
    }[status]
    final = wait_for_server(client, server['id'], idle)
    assert final['OS-EXT-STS:power_state'] == 1


def test_reboot_recorded_as_instance_action_with_success_event(stack, client, server):
    assert _reboot(client, server['id'])[0] == 202
    wait_for_server(client, server['id'], idle)
    stack.recorder.wait_for(lambda evs: any(e[2] == 'instance.reboot.end' for e in evs))
    code, body = client.get(f'/servers/{server["id"]}/os-instance-actions')
    assert code == 200
    actions = body['instanceActions']
    assert [a['action'] for a in actions] == ['reboot', 'create']
    code, body = client.get(
        f'/servers/{server["id"]}/os-instance-actions/{actions[0]["request_id"]}')
    events = body['instanceAction']['events']
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]


def test_reboot_emits_versioned_and_legacy_notifications(stack, client, server):
    assert _reboot(client, server['id'], 'HARD')[0] == 202
    events = stack.recorder.wait_for(lambda evs: any(
        e[2] == 'compute.instance.reboot.end' for e in evs)
        and any(e[2] == 'instance.reboot.end' for e in evs))
    reboot = [(pub, et, p) for _, pub, et, p in events if 'reboot' in et]
    envelopes = [p for _, et, p in reboot if et.startswith('instance.')]
    assert {(p['nova_object.name'], p['nova_object.version']) for p in envelopes} == {
        ('InstanceActionPayload', '1.9')}
    versioned = [(et, p['nova_object.data']) for _, et, p in reboot
                 if et.startswith('instance.')]
    assert [et for et, _ in versioned] == ['instance.reboot.start', 'instance.reboot.end']
    start, end = versioned[0][1], versioned[1][1]
    assert (start['task_state'], end['task_state']) == ('reboot_pending_hard', None)
    assert start['uuid'] == server['id'] and end['power_state'] == 'running'
    assert start['request_id'].startswith('req-')
    legacy = [(pub, et) for pub, et, _ in reboot if et.startswith('compute.')]
    host = wait_host(stack, server['id'])
    assert legacy == [(f'compute.{host}', 'compute.instance.reboot.start'),
                      (f'compute.{host}', 'compute.instance.reboot.end')]


def test_twenty_parallel_soft_reboots_are_202_or_409_and_each_accepted_completes(
        stack, client, server):
    driver = _driver(stack, server)
    driver.delay = 0.5
    boots = driver.guests[server['id']].boots
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _reboot(client, server['id']), range(20)))
    codes = [code for code, _ in answers]
    assert set(codes) <= {202, 409}, answers
    accepted = codes.count(202)
    assert accepted == 1
    for code, body in answers:
        if code == 409:
            assert set(body) == {'conflictingRequest'}
            assert body['conflictingRequest']['code'] == 409
            assert "Cannot 'reboot' instance" in body['conflictingRequest']['message']
    wait_for_server(client, server['id'], idle)
    stack.recorder.wait_for(lambda evs: sum(
        1 for e in evs if e[2] == 'instance.reboot.end') == accepted)
    assert driver.guests[server['id']].boots == boots + accepted
    assert driver.max_overlap[server['id']] == 1


def test_while_a_reboot_is_in_progress_every_other_request_is_409(stack, client, server):
    driver = _driver(stack, server)
    driver.delay = 1.0
    assert _reboot(client, server['id'])[0] == 202
    wait_for_server(client, server['id'], lambda s: s['status'] == 'REBOOT')
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = [c for c, _ in pool.map(lambda _: _reboot(client, server['id']), range(20))]
    assert codes == [409] * 20
    wait_for_server(client, server['id'], idle)


def test_operations_on_one_uuid_never_overlap_while_uuids_run_concurrently(stack, client):
    servers = []
    for i in range(4):
        code, body = client.post('/servers', {'server': {'name': f'c{i}', 'flavorRef': '1'}})
        assert code == 202
        servers.append(body['server']['id'])
    for server_id in servers:
        wait_for_server(client, server_id, idle)
    for compute in stack.computes.values():
        compute.driver.delay = 0.4
    for server_id in servers:
        assert _reboot(client, server_id, 'SOFT')[0] == 202
        # HARD is accepted while a soft reboot runs: it queues behind it on the same UUID.
        wait_for_server(client, server_id, lambda s: s['OS-EXT-STS:task_state'] in (
            'reboot_pending', 'reboot_started'))
        assert _reboot(client, server_id, 'HARD')[0] == 202
    for server_id in servers:
        wait_for_server(client, server_id, idle)
    drivers = [c.driver for c in stack.computes.values()]
    assert all(n == 1 for d in drivers for n in d.max_overlap.values())
    assert max(d.max_concurrent_instances for d in drivers) >= 2
