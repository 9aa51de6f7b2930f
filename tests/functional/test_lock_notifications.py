"""lock/unlock on the real stack: versioned instance.lock / instance.unlock on the bus
(InstanceActionPayload, published by the api service), none for a no-op re-lock."""

from tests.fixtures import http


def _action(client, server_id, body, token=http.MEMBER):
    status, _body = client.post(f'/servers/{server_id}/action', body, token=token)
    assert status == 202, _body


def _lock_events(events):
    return [(pub, et, p['nova_object.data']) for _, pub, et, p in events
            if et in ('instance.lock', 'instance.unlock')]


def _newest_request_id(client, server_id):
    return client.get(f'/servers/{server_id}/os-instance-actions')[1][
        'instanceActions'][0]['request_id']


def test_lock_and_unlock_emit_versioned_notifications(stack, client, server):
    _action(client, server['id'], {'lock': {'locked_reason': 'backup'}})
    lock_request = _newest_request_id(client, server['id'])
    events = stack.recorder.wait_for(lambda evs: len(_lock_events(evs)) == 1)
    (publisher, event_type, data), = _lock_events(events)
    assert (publisher, event_type) == (f'cepheid-api:{stack.conf.host}', 'instance.lock')
    assert (data['uuid'], data['locked'], data['locked_reason']) == (server['id'], True, 'backup')
    assert data['request_id'] == lock_request
    assert (data['action_initiator_user'], data['action_initiator_project']) == (
        'demo', 'demo-project')
    envelope = next(p for _, _, et, p in events if et == 'instance.lock')
    assert (envelope['nova_object.name'], envelope['nova_object.version']) == (
        'InstanceActionPayload', '1.9')

    _action(client, server['id'], {'unlock': None}, token=http.ADMIN)
    events = stack.recorder.wait_for(lambda evs: len(_lock_events(evs)) == 2)
    _publisher, event_type, data = _lock_events(events)[1]
    assert event_type == 'instance.unlock'
    assert (data['locked'], data['locked_reason']) == (False, None)
    assert data['action_initiator_user'] == 'admin'
    assert not [e for e in events if e[2].startswith('compute.instance.lock')
                or e[2].startswith('compute.instance.unlock')]


def test_owner_relock_is_silent(stack, client, server):
    _action(client, server['id'], {'lock': None})
    stack.recorder.wait_for(lambda evs: len(_lock_events(evs)) == 1)
    _action(client, server['id'], {'lock': {'locked_reason': 'again'}})
    # A marker after the no-op: the admin lock that follows is the second notification.
    _action(client, server['id'], {'lock': None}, token=http.ADMIN)
    events = stack.recorder.wait_for(lambda evs: len(_lock_events(evs)) >= 2)
    assert [(et, d['locked_reason']) for _, et, d in _lock_events(events)] == [
        ('instance.lock', None), ('instance.lock', None)]
    assert _lock_events(events)[1][2]['action_initiator_user'] == 'admin'
