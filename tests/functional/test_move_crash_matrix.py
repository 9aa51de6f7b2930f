"""kill -9 of the source or the destination compute at each step of every move (resize
and cold migration, then confirm or revert; live migration and its rollback; evacuate),
in process (tests/functional/crash.py), then the compute restarted: the server ends
ACTIVE or VERIFY_RESIZE on the right host with the right flavor, or ERROR with a fault;
the migration's status matches; the claims are the server's; its guest runs on one host
at most (the one the server is on)."""

import threading
import time

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest
from tests.functional import crash
from tests.functional import three_hosts

ADMIN = http.ADMIN
SOURCE, DEST = 'compute1', 'compute2'
RUNNING = 1
MEMORY = {'m1.tiny': 512, 'm1.small': 2048}
# Migration statuses that leave the server on its source.
STAYED = ('error', 'failed', 'reverted', 'cancelled')
SETTLED = STAYED + ('finished', 'confirmed', 'completed', 'done')


@pytest.fixture(scope='module')
def stack():
    """One stack for the module (each test crashes and restarts its own hosts): short
    RPC and stuck-task timeouts, so a call to a dead compute fails and a lost cast is
    re-sent within seconds."""
    conf = allinone.make_conf(compute_driver='fake', rpc_response_timeout=2,
                              reboot_timeout=2, watchdog_interval=1)
    running = allinone.AllInOne(conf, hosts=(SOURCE, DEST)).start()
    yield running
    running.stop()



@pytest.fixture
def sid(stack, client):
    """An ACTIVE server on the source, deleted after the test (its claims with it)."""
    server = three_hosts.create_on(client, SOURCE)['id']
    yield server
    for compute in stack.computes.values():
        compute.driver.holds.clear()
    status, _ = client.request('DELETE', f'/servers/{server}', token=ADMIN)
    deadline = time.monotonic() + 20
    while status != 404 and time.monotonic() < deadline:
        time.sleep(0.02)
        status, _ = client.get(f'/servers/{server}', token=ADMIN)
    assert status == 404
    assert set(_claims(stack).values()) == {0}


def _action(client, sid, body):
    status, reply = client.post(f'/servers/{sid}/action', body, token=ADMIN)
    assert status in (200, 202, 204), reply


def _settled(client, sid, timeout=20):
    """The server once neither it nor its newest migration moves any more."""
    conftest.wait_for_server(
        client, sid, lambda s: s['OS-EXT-STS:task_state'] is None
        and s['status'] in ('ACTIVE', 'VERIFY_RESIZE', 'ERROR')
        and _migration(client, sid)['status'] in SETTLED, timeout=timeout, token=ADMIN)
    return client.get(f'/servers/{sid}', token=ADMIN)[1]['server']


def _migration(client, sid):
    status, body = client.get(f'/os-migrations?instance_uuid={sid}', token=ADMIN)
    assert status == 200, body
    return body['migrations'][0]


def _claims(stack):
    with stack.db.transaction() as session:
        return {r.host: r.memory_mb_used for r in session.scalars(sa.select(models.ComputeNode))}


def _running_on(stack, sid):
    return sorted(host for host, compute in stack.computes.items()
                  if getattr(compute.driver.guests.get(sid), 'power_state', None) == RUNNING)


def _check(stack, client, sid, *, old, new):
    """What a user (and the operator) sees once the server settled; returns it."""
    server = _settled(client, sid)
    status, host = server['status'], server['OS-EXT-SRV-ATTR:host']
    flavor = server['flavor']['original_name']
    migration = _migration(client, sid)
    running = _running_on(stack, sid)
    claims = {SOURCE: 0, DEST: 0}
    claims[host] += MEMORY[flavor]
    seen = (status, host, flavor, migration['status'], running, _claims(stack))
    if status == 'ERROR':
        assert server.get('fault', {}).get('message'), server
        assert running in ([], [host]), seen
        assert seen[5] == claims, seen
    elif status == 'VERIFY_RESIZE':
        claims[SOURCE] += MEMORY[old]
        assert seen == ('VERIFY_RESIZE', DEST, new, 'finished', [DEST], claims), seen
    elif host == SOURCE:
        assert (flavor, running, seen[5]) == (old, [SOURCE], claims), seen
        assert migration['status'] in STAYED, seen
    else:
        assert (flavor, running, seen[5]) == (new, [DEST], claims), seen
        assert migration['status'] in ('confirmed', 'completed', 'done'), seen
    return server


def _crash_point(compute, point):
    kind, *where = point
    if kind == 'driver':
        return crash.at_driver_call(compute, where[0])
    method, when, match = where
    return crash.at_report(compute, method, when, **match)


def _crash_and_restart(stack, host, point, act):
    """``act`` starts the move; ``host``'s compute dies at ``point`` and starts again."""
    point_hit = _crash_point(stack.computes[host], point)
    act()
    assert point_hit.reached.wait(15), f'{host} never reached {point}'
    crash.kill(stack.computes[host], point_hit)
    crash.restart(stack, host)


def _step(event, phase, when='after'):
    return ('report', 'migration_step', when, {'event': event, 'phase': phase})


# -- resize and cold migration ---------------------------------------------------------
RESIZE_STEPS = {
    'prep_resize-started': (DEST, _step('compute_prep_resize', 'start')),
    'prep_resize-done-cast-lost': (DEST, _step('compute_prep_resize', 'finish')),
    'migrate_disk_and_power_off': (SOURCE, ('driver', 'migrate_disk_and_power_off')),
    'resize_instance-done-cast-lost': (SOURCE, _step('compute_resize_instance', 'finish')),
    'finish_migration': (DEST, ('driver', 'finish_migration')),
    'finish_resize-unsaved': (DEST, _step('compute_finish_resize', 'finish', 'before')),
}
AFTER_RESIZE_STEPS = {
    ('confirm', 'confirm_migration'): (SOURCE, ('driver', 'confirm_migration')),
    ('confirm', 'confirm_resize-unsaved'): (
        SOURCE, _step('compute_confirm_resize', 'finish', 'before')),
    ('revert', 'destroy-on-dest'): (DEST, ('driver', 'destroy')),
    ('revert', 'revert_resize-done-cast-lost'): (
        DEST, _step('compute_revert_resize', 'finish')),
    ('revert', 'finish_revert_migration'): (SOURCE, ('driver', 'finish_revert_migration')),
    ('revert', 'finish_revert_resize-unsaved'): (
        SOURCE, _step('compute_finish_revert_resize', 'finish', 'before')),
}
# The steps that end in ERROR (with a fault, the guest on one host at most): a
# destination lost after the guest left the source.
ENDS_IN_ERROR = {'post_live_migration_at_destination'}

MOVES = {'resize': ({'resize': {'flavorRef': '2'}}, 'm1.small'),
         'migrate': ({'migrate': {'host': DEST}}, 'm1.tiny')}


def _finish_move(stack, client, sid, server, end, new):
    """A server left in VERIFY_RESIZE is confirmed (or reverted) and checked again."""
    if server['status'] != 'VERIFY_RESIZE':
        return server
    _action(client, sid, {'confirmResize' if end == 'confirm' else 'revertResize': None})
    return _check(stack, client, sid, old='m1.tiny', new=new)


@pytest.mark.parametrize('move', MOVES)
@pytest.mark.parametrize('step', RESIZE_STEPS)
def test_crash_during_resize_or_cold_migration(stack, client, sid, move, step):
    body, new = MOVES[move]
    host, point = RESIZE_STEPS[step]
    _crash_and_restart(stack, host, point, lambda: _action(client, sid, body))
    server = _check(stack, client, sid, old='m1.tiny', new=new)
    assert (server['status'] == 'ERROR') == (step in ENDS_IN_ERROR), server
    # The recovered move is still usable: confirmed (a resize) or reverted (a migration).
    _finish_move(stack, client, sid, server, 'confirm' if move == 'resize' else 'revert',
                 new)


@pytest.mark.parametrize('move', MOVES)
@pytest.mark.parametrize('end,step', AFTER_RESIZE_STEPS)
def test_crash_during_confirm_or_revert(stack, client, sid, move, end, step):
    body, new = MOVES[move]
    host, point = AFTER_RESIZE_STEPS[end, step]
    _action(client, sid, body)
    assert _check(stack, client, sid, old='m1.tiny', new=new)['status'] == 'VERIFY_RESIZE'
    action = {'confirmResize' if end == 'confirm' else 'revertResize': None}
    _crash_and_restart(stack, host, point, lambda: _action(client, sid, action))
    server = _check(stack, client, sid, old='m1.tiny', new=new)
    assert server['status'] == ('ERROR' if step in ENDS_IN_ERROR else 'ACTIVE'), server


# -- live migration --------------------------------------------------------------------
LIVE_STEPS = {
    'pre_live_migration': (DEST, ('driver', 'pre_live_migration')),
    'copy': (SOURCE, ('driver', 'live_migration')),
    'copied-post-not-sent': (
        SOURCE, ('report', 'migration_step', 'after', {'status': 'post-migrating'})),
    'post_live_migration_at_destination': (
        DEST, ('driver', 'post_live_migration_at_destination')),
    'post-done-unsaved': (SOURCE, _step('compute_live_migration', 'finish', 'before')),
    'rollback_live_migration_at_destination': (
        DEST, ('driver', 'rollback_live_migration_at_destination')),
}


@pytest.mark.parametrize('step', LIVE_STEPS)
def test_crash_during_live_migration(stack, client, sid, step):
    host, point = LIVE_STEPS[step]
    if step.startswith('rollback'):
        stack.computes[SOURCE].driver.fail(
            'live_migration', RuntimeError('the copy failed'))
    body = {'os-migrateLive': {'host': DEST, 'block_migration': 'auto'}}
    _crash_and_restart(stack, host, point, lambda: _action(client, sid, body))
    server = _check(stack, client, sid, old='m1.tiny', new='m1.tiny')
    assert server['status'] == ('ERROR' if step in ENDS_IN_ERROR else 'ACTIVE'), server


# -- evacuate --------------------------------------------------------------------------
EVACUATE_STEPS = {
    'rebuild-started': ('report', 'evacuation_step', 'after', {'phase': 'start'}),
    'spawn': ('driver', 'spawn'),
    'rebuild-done-unsaved': ('report', 'evacuation_step', 'before', {'phase': 'finish'}),
}


def _evacuate_with_source_down(stack, client, sid):
    crash.kill(stack.computes[SOURCE])
    service = three_hosts.service(client, SOURCE)
    status, body = client.request('PUT', f"/os-services/{service['id']}",
                                  {'forced_down': True}, token=ADMIN)
    assert status == 200, body
    _action(client, sid, {'evacuate': {'host': DEST}})


def _source_back(stack, client):
    crash.restart(stack, SOURCE)
    service = three_hosts.service(client, SOURCE)
    client.request('PUT', f"/os-services/{service['id']}", {'forced_down': False},
                   token=ADMIN)


@pytest.mark.parametrize('step', EVACUATE_STEPS)
def test_crash_of_the_destination_during_evacuate(stack, client, sid, step):
    _crash_and_restart(stack, DEST, EVACUATE_STEPS[step],
                       lambda: _evacuate_with_source_down(stack, client, sid))
    _settled(client, sid)
    _source_back(stack, client)
    server = _check(stack, client, sid, old='m1.tiny', new='m1.tiny')
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', DEST), server


def test_source_back_while_the_destination_spawns(stack, client, sid):
    """The failed source starts again while its server is rebuilt elsewhere: its copy
    goes, the destination's runs."""
    spawning = threading.Event()
    stack.computes[DEST].driver.holds['spawn'] = spawning
    _evacuate_with_source_down(stack, client, sid)
    conftest.wait_for_server(client, sid, lambda s: s['OS-EXT-STS:task_state']
                             == 'rebuild_spawning', token=ADMIN)
    _source_back(stack, client)
    spawning.set()
    server = _check(stack, client, sid, old='m1.tiny', new='m1.tiny')
    assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', DEST), server
