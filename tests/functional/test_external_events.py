"""os-server-external-events end to end (api + compute over fake://): the accepted events
reach the instance's compute (RPC 1.3 external_instance_event); power-update changes the
server as Nova's power_update does, with its action, event and notifications."""

import logging
import time

import pytest

from cepheid.common import states
from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import wait_for_server


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    running = power_stack.start('fake', tmp_path_factory.mktemp('fake'))
    yield running
    running.stop()


@pytest.fixture(scope='module')
def client(stack):
    return http.Client(stack.endpoint)


@pytest.fixture
def server(client):
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], _settled(states.ACTIVE))


def _settled(vm_state):
    return lambda s: (s['OS-EXT-STS:vm_state'] == vm_state
                      and s['OS-EXT-STS:task_state'] is None)


def _send(client, server_id, name, tag=None, version='2.76'):
    event = {'name': name, 'server_uuid': server_id}
    if tag is not None:
        event['tag'] = tag
    status, body = client.post('/os-server-external-events', {'events': [event]},
                               token=http.ADMIN,
                               headers={'OpenStack-API-Version': f'compute {version}'})
    assert (status, body['events'][0]['code']) == (200, 200), body


def _newest_action(client, server_id, action, timeout=20):
    """The events of ``server_id``'s newest action, once it is ``action`` and finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = client.get(f'/servers/{server_id}/os-instance-actions')[1]
        newest = listed['instanceActions'][0]
        if newest['action'] == action:
            shown = client.get(f"/servers/{server_id}/os-instance-actions/"
                               f"{newest['request_id']}")[1]['instanceAction']
            events = [(e['event'], e['result']) for e in shown['events']]
            if events and all(result for _, result in events):
                return events
        time.sleep(0.01)
    raise TimeoutError(f'no finished {action} action on {server_id}')


def _notified(stack, server_id, prefix, count=0, timeout=20):
    """The event types of ``server_id`` starting with ``prefix``, once ``count`` arrived."""
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(et for _, _, et, p in list(stack.recorder.events)
                       if et.startswith(prefix) and p['nova_object.data']['uuid'] == server_id)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_power_update_off_then_on_follows_the_reported_state(stack, client, server):
    _send(client, server['id'], 'power-update', 'POWER_OFF')
    stopped = wait_for_server(client, server['id'], _settled(states.STOPPED))
    assert stopped['status'] == 'SHUTOFF'
    assert stopped['OS-EXT-STS:power_state'] == states.SHUTDOWN
    assert _newest_action(client, server['id'], 'stop') == [('compute_power_update',
                                                             'Success')]
    assert _notified(stack, server['id'], 'instance.power_off', 2) == [
        'instance.power_off.end', 'instance.power_off.start']
    _send(client, server['id'], 'power-update', 'POWER_ON')
    started = wait_for_server(client, server['id'], _settled(states.ACTIVE))
    assert started['OS-EXT-STS:power_state'] == states.RUNNING
    assert _newest_action(client, server['id'], 'start') == [('compute_power_update',
                                                              'Success')]


def test_power_update_to_the_current_state_is_a_recorded_no_op(stack, client, server):
    _send(client, server['id'], 'power-update', 'POWER_ON')
    assert _newest_action(client, server['id'], 'start') == [('compute_power_update',
                                                              'Success')]
    shown = client.get(f"/servers/{server['id']}")[1]['server']
    assert (shown['status'], shown['updated']) == ('ACTIVE', server['updated'])
    assert _notified(stack, server['id'], 'instance.power_on') == []


def test_volume_extended_records_its_action_with_no_volume_attached(client, server):
    _send(client, server['id'], 'volume-extended', 'vol-1', version='2.51')
    assert _newest_action(client, server['id'], 'extend_volume') == [
        ('compute_extend_volume', 'Success')]


def test_network_changed_reaches_the_compute_and_changes_nothing(client, server, caplog):
    caplog.set_level(logging.INFO, logger='cepheid.compute.external_events')
    _send(client, server['id'], 'network-changed', version='2.1')
    deadline = time.monotonic() + 20
    while 'no network service' not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert f"network-changed for instance {server['id']}: no network service" in caplog.text
    listed = client.get(f"/servers/{server['id']}/os-instance-actions")[1]
    assert [a['action'] for a in listed['instanceActions']] == ['create']
