"""Resize and cold migration across three fake computes: confirm and revert end on the
right host with the right flavor and claims, a drained host gets nothing, concurrent
moves never overcommit, the auto-confirm, and the notifications match Nova's samples."""

import concurrent.futures

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.demo import allinone
from tests.fixtures import http
from tests.fixtures import nova_samples
from tests.functional import conftest

HOSTS = ('compute1', 'compute2', 'compute3')
ADMIN = http.ADMIN
TINY, SMALL = ('1', 512), ('2', 2048)   # flavor id, memory


@pytest.fixture
def stack():
    conf = allinone.make_conf(compute_driver='fake', **{
        'quota.instances': -1, 'quota.cores': -1, 'quota.ram': -1})
    for name, value in (('vcpus', 2), ('memory_mb', 4096), ('local_gb', 60)):
        conf.set_override(name, value, group='fake_driver')
    running = allinone.AllInOne(conf, hosts=HOSTS).start()
    yield running
    running.stop()


@pytest.fixture
def client(stack):
    return http.Client(stack.endpoint)


def _used(db):
    with db.transaction() as session:
        rows = session.scalars(sa.select(models.ComputeNode))
        return {r.host: r.memory_mb_used for r in rows}


def _create(client, host=None, flavor='1'):
    server = {'name': 'vm', 'flavorRef': flavor}
    body = {'server': server}
    if host:
        server['availability_zone'] = f'nova:{host}'
    status, body = client.post('/servers', body, token=ADMIN)
    assert status == 202, body
    return conftest.wait_for_server(client, body['server']['id'], conftest.idle, token=ADMIN)


def _wait(client, server_id, status):
    return conftest.wait_for_server(
        client, server_id,
        lambda s: s['status'] in (status, 'ERROR') and s['OS-EXT-STS:task_state'] is None,
        token=ADMIN)


def _action(client, server_id, body, token=ADMIN):
    return client.post(f'/servers/{server_id}/action', body, token=token)


def _guest(stack, host, server_id):
    return stack.computes[host].driver.guests.get(server_id)


def _migrations(client, server_id):
    status, body = client.get(f'/os-migrations?instance_uuid={server_id}', token=ADMIN)
    assert status == 200
    return body['migrations']


def test_resize_confirm_lands_on_another_host_with_the_new_flavor(stack, client):
    server = _create(client)
    source = server['OS-EXT-SRV-ATTR:host']
    status, body = _action(client, server['id'], {'resize': {'flavorRef': '2'}})
    assert status == 202, body
    resized = _wait(client, server['id'], 'VERIFY_RESIZE')
    dest = resized['OS-EXT-SRV-ATTR:host']
    assert resized['status'] == 'VERIFY_RESIZE' and dest != source
    assert resized['flavor']['original_name'] == 'm1.small'
    # Both claims are held until the confirm; the source guest is off, the new one runs.
    assert _used(stack.db)[source] == 512 and _used(stack.db)[dest] == 2048
    assert _guest(stack, source, server['id']).power_state == 4
    assert _guest(stack, dest, server['id']).flavor_id == '2'
    [migration] = _migrations(client, server['id'])
    assert (migration['status'], migration['source_compute'], migration['dest_compute'],
            migration['old_instance_type_id'], migration['new_instance_type_id']) == (
        'finished', source, dest, 1, 2)
    status, _ = _action(client, server['id'], {'confirmResize': None})
    assert status == 204
    active = _wait(client, server['id'], 'ACTIVE')
    assert active['status'] == 'ACTIVE' and active['OS-EXT-SRV-ATTR:host'] == dest
    assert _migrations(client, server['id'])[0]['status'] == 'confirmed'
    assert _used(stack.db)[source] == 0 and _used(stack.db)[dest] == 2048
    assert _guest(stack, source, server['id']) is None
    _, actions = client.get(f"/servers/{server['id']}/os-instance-actions", token=ADMIN)
    assert [a['action'] for a in actions['instanceActions']][:2] == ['confirmResize',
                                                                     'resize']


def test_resize_revert_goes_back_with_the_old_flavor(stack, client):
    server = _create(client)
    source = server['OS-EXT-SRV-ATTR:host']
    assert _action(client, server['id'], {'resize': {'flavorRef': '2'}})[0] == 202
    dest = _wait(client, server['id'], 'VERIFY_RESIZE')['OS-EXT-SRV-ATTR:host']
    assert _action(client, server['id'], {'revertResize': None})[0] == 202
    reverted = _wait(client, server['id'], 'ACTIVE')
    assert reverted['OS-EXT-SRV-ATTR:host'] == source
    assert reverted['flavor']['original_name'] == 'm1.tiny'
    assert _used(stack.db) == {h: (512 if h == source else 0) for h in HOSTS}
    assert _guest(stack, dest, server['id']) is None
    assert _guest(stack, source, server['id']).power_state == 1
    assert _migrations(client, server['id'])[0]['status'] == 'reverted'
    # Nothing to confirm any more.
    status, body = _action(client, server['id'], {'confirmResize': None})
    assert status == 409


def test_migrate_skips_drained_hosts_and_honours_a_stopped_server(stack, client):
    server = _create(client)
    source = server['OS-EXT-SRV-ATTR:host']
    others = [h for h in HOSTS if h != source]
    status, body = client.get('/os-services?binary=cepheid-compute', token=ADMIN)
    drained = next(s for s in body['services'] if s['host'] == others[0])
    status, _ = client.request('PUT', f"/os-services/{drained['id']}",
                               {'status': 'disabled'}, token=ADMIN)
    assert status == 200
    assert _action(client, server['id'], {'os-stop': None})[0] == 202
    _wait(client, server['id'], 'SHUTOFF')
    assert _action(client, server['id'], {'migrate': None})[0] == 202
    moved = _wait(client, server['id'], 'VERIFY_RESIZE')
    assert moved['OS-EXT-SRV-ATTR:host'] == others[1]
    assert moved['OS-EXT-STS:power_state'] == 4     # a stopped server stays off
    assert _action(client, server['id'], {'confirmResize': None})[0] == 204
    assert _wait(client, server['id'], 'SHUTOFF')['OS-EXT-SRV-ATTR:host'] == others[1]
    # The two other hosts drained: no valid host, the server untouched.
    status, body = client.request('PUT', f"/os-services/{drained['id']}",
                                  {'status': 'disabled'}, token=ADMIN)
    last = next(s for s in client.get('/os-services', token=ADMIN)[1]['services']
                if s['host'] == source)
    client.request('PUT', f"/os-services/{last['id']}", {'status': 'disabled'}, token=ADMIN)
    status, body = _action(client, server['id'], {'migrate': None})
    assert status == 400
    assert body['badRequest']['message'].startswith('No valid host was found.')


def test_errors_and_guards(stack, client):
    server = _create(client)
    sid = server['id']
    assert _action(client, sid, {'resize': {'flavorRef': '1'}})[1]['badRequest'][
        'message'] == 'Resize requires a flavor change.'
    assert _action(client, sid, {'resize': {'flavorRef': '999'}})[1]['badRequest'][
        'message'] == 'Unable to locate requested flavor.'
    assert _action(client, sid, {'resize': {}})[0] == 400
    assert _action(client, sid, {'confirmResize': None})[0] == 409
    assert _action(client, sid, {'migrate': None}, token=http.MEMBER)[0] == 404
    assert _action(client, sid, {'migrate': {'host': server['OS-EXT-SRV-ATTR:host']}})[
        0] == 400
    # Too big for any host: no valid host, the instance action records why.
    status, body = _action(client, sid, {'resize': {'flavorRef': '5'}})
    assert status == 400 and 'No valid host' in body['badRequest']['message']
    assert conftest.idle(client.get(f'/servers/{sid}', token=ADMIN)[1]['server'])


def test_concurrent_resizes_never_overcommit(stack, client):
    servers = [_create(client) for _ in range(6)]
    assert set(_used(stack.db).values()) == {1024}
    # Each host has 4096 MiB: with its two tiny claims it takes one m1.small (2048) more,
    # so at most three of the six resizes find a host.
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(
            lambda s: _action(client, s['id'], {'resize': {'flavorRef': '2'}})[0], servers))
    assert set(answers) <= {202, 400} and 1 <= answers.count(202) <= 3
    for server in servers:
        conftest.wait_for_server(
            client, server['id'], lambda s: s['status'] in ('ACTIVE', 'VERIFY_RESIZE')
            and s['OS-EXT-STS:task_state'] is None, token=ADMIN)
    for host, used in _used(stack.db).items():
        assert used <= 4096, (host, used)


def test_auto_confirm_after_the_window(stack, client):
    server = _create(client)
    assert _action(client, server['id'], {'migrate': None})[0] == 202
    _wait(client, server['id'], 'VERIFY_RESIZE')
    stack.conf.set_override('resize_confirm_window', 1)
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Migration).values(
            updated_at=models.utcnow().replace(year=2000)))
    confirmer = stack.conductor.resize_confirmer
    assert confirmer.check_once() == [server['id']]
    _wait(client, server['id'], 'ACTIVE')
    assert _migrations(client, server['id'])[0]['status'] == 'confirmed'


def test_notifications_match_nova_samples(stack, client):
    server = _create(client)
    _action(client, server['id'], {'resize': {'flavorRef': '2'}})
    _wait(client, server['id'], 'VERIFY_RESIZE')
    _action(client, server['id'], {'revertResize': None})
    _wait(client, server['id'], 'ACTIVE')
    _action(client, server['id'], {'migrate': None})
    _wait(client, server['id'], 'VERIFY_RESIZE')
    _action(client, server['id'], {'confirmResize': None})
    wanted = {f'instance.{a}.{p}' for a in ('resize_prep', 'resize', 'resize_finish',
                                            'resize_revert', 'resize_confirm')
              for p in ('start', 'end')}
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


def test_resize_to_the_same_host_when_allowed():
    conf = allinone.make_conf(compute_driver='fake', allow_resize_to_same_host=True)
    running = allinone.AllInOne(conf, hosts=['compute1']).start()
    try:
        client = http.Client(running.endpoint)
        server = _create(client)
        # A migrate never stays on its host.
        assert _action(client, server['id'], {'migrate': None})[0] == 400
        assert _action(client, server['id'], {'resize': {'flavorRef': '2'}})[0] == 202
        resized = _wait(client, server['id'], 'VERIFY_RESIZE')
        assert resized['OS-EXT-SRV-ATTR:host'] == 'compute1'
        assert _used(running.db)['compute1'] == 512 + 2048
        assert _action(client, server['id'], {'confirmResize': None})[0] == 204
        _wait(client, server['id'], 'ACTIVE')
        assert _used(running.db)['compute1'] == 2048
        guest = _guest(running, 'compute1', server['id'])
        assert (guest.power_state, guest.flavor_id) == (1, '2')
    finally:
        running.stop()


def test_a_bigger_flavor_over_the_ram_quota_is_refused():
    conf = allinone.make_conf(compute_driver='fake', **{'quota.ram': 1024})
    running = allinone.AllInOne(conf, hosts=['compute1', 'compute2']).start()
    try:
        client = http.Client(running.endpoint)
        status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
        server = conftest.wait_for_server(client, body['server']['id'], conftest.idle)
        # The instance's project's quota, whoever asks (an admin too).
        status, body = _action(client, server['id'], {'resize': {'flavorRef': '2'}})
        assert status == 403, body
        assert body['forbidden']['message'] == (
            'Quota exceeded for ram: Requested 1536, but already used 512 of 1024 ram')
    finally:
        running.stop()


def test_a_lost_confirm_is_sent_again_by_the_watchdog(stack, client):
    server = _create(client)
    assert _action(client, server['id'], {'migrate': None})[0] == 202
    source = server['OS-EXT-SRV-ATTR:host']
    _wait(client, server['id'], 'VERIFY_RESIZE')
    # The confirm's cast is lost: the migration is left confirming.
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Migration).values(
            status='confirming', updated_at=models.utcnow().replace(year=2000)))
    assert stack.conductor.watchdog.check_once() == {server['id']: 'resent'}
    _wait(client, server['id'], 'ACTIVE')
    assert _migrations(client, server['id'])[0]['status'] == 'confirmed'
    assert _guest(stack, source, server['id']) is None
