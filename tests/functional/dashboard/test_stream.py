"""/dashboard/api/events on the all-in-one stack: every task_state step of a reboot arrives
live (also those no notification carries), with the buttons of the caller; other projects
see nothing; the timeline has the steps, the notifications and the action's events; and
nothing is cast for the dashboard until a stream opens."""

import logging
import urllib.parse
import urllib.request

import pytest

from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server
from tests.functional.dashboard import sse

HARD_STEPS = ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', None]


def _base(stack):
    parts = urllib.parse.urlsplit(stack.endpoint)
    return f'{parts.scheme}://{parts.netloc}'


@pytest.fixture
def stream(stack):
    streams = []

    def open_stream(token=http.MEMBER):
        s = sse.EventStream(_base(stack), token)
        streams.append(s)
        return s

    yield open_stream
    for s in streams:
        s.close()


def _task_states(events, uuid):
    return [d['task_state'] for e, d in events if e == 'instance' and d['uuid'] == uuid]


def _steps_seen(events, uuid):
    """The task_states from the reboot's first step on, in arrival order, repeats folded."""
    states = _task_states(events, uuid)
    if 'rebooting_hard' not in states:
        return []
    seen = []
    for state in states[states.index('rebooting_hard'):]:
        if not seen or seen[-1] != state:
            seen.append(state)
    return seen


def _slow_guests(stack, seconds=0.3):
    """A reboot long enough for each step to be saved before the next (the fake driver
    reboots in no time; then the compute's reboot_started cast can lose to the end)."""
    for compute in stack.computes.values():
        compute.driver.delay = seconds


def test_a_hard_reboot_streams_every_task_state_step(stack, client, server, stream):
    _slow_guests(stack)
    member = stream()
    assert member.response.status == 200
    assert member.response.getheader('Content-Type').startswith('text/event-stream')
    other = stream(http.OTHER)
    uuid = server['id']
    assert client.post(f'/servers/{uuid}/action', {'reboot': {'type': 'HARD'}})[0] == 202
    events = member.wait_for(lambda evs: _steps_seen(evs, uuid)[-1:] == [None])
    assert _steps_seen(events, uuid) == HARD_STEPS
    states = member.instances(uuid)
    first = [d['task_state'] for d in states].index('rebooting_hard')
    assert [d['status'] for d in states[first:]] == ['HARD_REBOOT'] * 3 + ['ACTIVE']
    # the caller's buttons travel with each state: HARD may be sent again while the API
    # has only marked it (Nova's allowed task states), not once the compute runs it
    enabled = [{n for n, why in d['buttons'].items() if why is None} for d in states[first:]]
    assert enabled == [{'reboot_hard', 'lock'}, {'lock'}, {'lock'},
                       {'reboot_soft', 'reboot_hard', 'stop', 'lock'}]
    member.wait_for(lambda evs: any(e == 'timeline' and d['entry']['what'] ==
                                    'instance.reboot.end' for e, d in evs))
    # the other project's stream carried neither its states nor anything it could use
    assert other.instances(uuid) == []


def test_the_timeline_lists_steps_notifications_and_action_events(stack, client, server,
                                                                  stream):
    _slow_guests(stack)
    member = stream()
    uuid = server['id']
    assert client.post(f'/servers/{uuid}/action', {'reboot': {'type': 'HARD'}})[0] == 202
    # the steps come as casts, the notifications on their own topic: wait for both
    member.wait_for(lambda evs: _steps_seen(evs, uuid)[-1:] == [None] and any(
        e == 'timeline' and d['entry']['what'] == 'instance.reboot.end' for e, d in evs))
    wait_for_server(client, uuid, idle)
    code, body = http.Client(_base(stack)).get(f'/dashboard/api/servers/{uuid}/timeline')
    assert code == 200, body
    entries = body['entries']
    times = [e['time'] for e in entries]
    assert times == sorted(times)
    db_steps = [e['task_state'] for e in entries if e['source'] == 'db']
    assert db_steps[-4:] == HARD_STEPS
    assert [e['what'] for e in entries if e['source'] == 'bus'][-2:] == [
        'instance.reboot.start', 'instance.reboot.end']
    actions = [e['what'] for e in entries if e['source'] == 'action']
    assert actions[-3:] == ['reboot requested', 'compute_reboot_instance started',
                            'compute_reboot_instance Success']
    assert http.Client(_base(stack)).get(f'/dashboard/api/servers/{uuid}/timeline',
                                         token=http.OTHER)[0] == 404


def test_lock_and_delete_reach_the_stream(stack, client, server, stream):
    member = stream()
    uuid = server['id']
    code, _ = client.post(f'/servers/{uuid}/action',
                          {'lock': {'locked_reason': 'maintenance'}})
    assert code == 202
    member.wait_for(lambda evs: any(e == 'instance' and d['uuid'] == uuid and d['locked']
                                    for e, d in evs))
    locked = member.instances(uuid)[-1]
    assert locked['locked_reason'] == 'maintenance'
    assert locked['buttons']['unlock'] is None and locked['buttons']['lock'] == 'already locked'
    assert client.post(f'/servers/{uuid}/action', {'unlock': None})[0] == 202
    assert client.request('DELETE', f'/servers/{uuid}')[0] == 204
    member.wait_for(lambda evs: ('deleted', {'type': 'deleted', 'uuid': uuid}) in evs)


def test_a_stream_starts_with_a_snapshot_then_admins_get_the_hosts(stack, server, stream):
    admin = stream(http.ADMIN)
    events = admin.wait_for(lambda evs: any(e == 'hosts' for e, _ in evs))
    assert [e for e, _ in events[:2]] == ['snapshot', 'hosts']
    assert [s['uuid'] for s in events[0][1]] == [server['id']]
    hosts = events[1][1]
    assert {(h['host'], h['up']) for h in hosts} == {('compute1', True), ('compute2', True)}
    assert sum(h['instances'] for h in hosts) == 1
    assert {h['queue_depth'] for h in hosts} == {None}     # fake://: no broker queue to ask
    member, other = stream(), stream(http.OTHER)
    snapshot = member.wait_for(lambda evs: evs)[0]
    assert snapshot[0] == 'snapshot' and snapshot[1][0]['buttons']['reboot_hard'] is None
    assert other.wait_for(lambda evs: evs)[0] == ('snapshot', [])
    assert not any(e == 'hosts' for e, _ in member.events)


def test_tokens_never_reach_the_logs(stack, client, server, caplog):
    # every logger at DEBUG, whatever an earlier test's oslo.log set-up left behind
    for name in (None, 'cepheid', 'oslo_policy', 'oslo_messaging', 'waitress'):
        caplog.set_level(logging.DEBUG, logger=name)
    secret = 'sekrit-user:sekrit-project'
    base = _base(stack)
    s = sse.EventStream(base, secret)
    try:
        assert s.response.status == 200
        status, _ = http.Client(stack.endpoint).get('/servers', token=secret)
        assert status == 200
        with urllib.request.urlopen(f'{base}/dashboard?token={secret}') as page:
            assert page.status == 200
        assert http.Client(base).request('POST', '/dashboard/login', {'token': secret},
                                         headers={'X-Auth-Token': ''})[0] == 200
    finally:
        s.close()
    assert any(secret.split(':')[0] in r.getMessage() for r in caplog.records), \
        'the requests were not logged at all'
    # (noauth2's token names the user and project, which logs do show on their own)
    assert not [r for r in caplog.records if secret in r.getMessage()]


def test_with_the_feed_off_the_dashboard_is_a_snapshot(tmp_path):
    conf = allinone.make_conf(compute_driver='fake', **{'api.dashboard_feed': False})
    stack = allinone.AllInOne(conf).start()
    try:
        assert stack.services.dashboard.publisher is None
        assert stack.services.dashboard.listener is None
        client = http.Client(_base(stack))
        status, state = client.get('/dashboard/api/state')
        assert status == 200 and state['live'] is False
        stream = sse.EventStream(_base(stack), http.MEMBER)
        stream.wait_for(lambda evs: evs[-1:] == [('end', None)])
        assert stream.comments[-1] == 'no live feed in this process'
    finally:
        stack.stop()


def test_nothing_is_cast_for_the_dashboard_until_a_stream_opens(stack, client, server, stream):
    feed = stack.services.dashboard
    uuid = server['id']
    assert client.post(f'/servers/{uuid}/action', {'reboot': {'type': 'HARD'}})[0] == 202
    wait_for_server(client, uuid, idle)
    # the create and the reboot committed changes, but nobody watched
    assert feed.publisher.sent == 0
    assert not feed.interest.watched() and not feed.listening
    _slow_guests(stack)
    member = stream()
    assert member.wait_for(lambda evs: evs)[0][0] == 'snapshot'
    assert feed.interest.watched() and feed.listening
    assert client.post(f'/servers/{uuid}/action', {'reboot': {'type': 'HARD'}})[0] == 202
    member.wait_for(lambda evs: _steps_seen(evs, uuid)[-1:] == [None])
    assert _steps_seen(member.events, uuid) == HARD_STEPS
    assert feed.publisher.sent > 0
