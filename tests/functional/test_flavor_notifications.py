"""Flavors on the real stack: flavor.create|update|delete reach the bus as Nova's samples
(/work/shared/nova-notification-samples/flavor-*.json: FlavorPayload 1.4, INFO, published by
the api service), and a server keeps its flavor snapshot once the flavor is gone."""

from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

# The payload keys of Nova's FlavorPayload 1.4 (the samples' nova_object.data).
PAYLOAD_KEYS = {'description', 'disabled', 'ephemeral_gb', 'extra_specs', 'flavorid',
                'is_public', 'memory_mb', 'name', 'projects', 'root_gb', 'rxtx_factor',
                'swap', 'vcpu_weight', 'vcpus'}
NEW_FLAVOR = {'flavor': {'name': 'test_flavor', 'id': 'a22d5517-147c-4147-a0d1-e698df5cd4e3',
                         'ram': 1024, 'vcpus': 2, 'disk': 10, 'rxtx_factor': 2.0}}


def _flavor_events(events):
    return [(pub, et, p) for _, pub, et, p in events if et.startswith('flavor.')]


def _wait(stack, count):
    events = stack.recorder.wait_for(lambda evs: len(_flavor_events(evs)) >= count)
    return _flavor_events(events)


def _data(envelope):
    assert (envelope['nova_object.name'], envelope['nova_object.version'],
            envelope['nova_object.namespace']) == ('FlavorPayload', '1.4', 'nova')
    assert set(envelope['nova_object.data']) == PAYLOAD_KEYS
    return envelope['nova_object.data']


def test_create_update_delete_emit_novas_flavor_notifications(stack, client):
    flavor_id = NEW_FLAVOR['flavor']['id']
    status, _body = client.post('/flavors', NEW_FLAVOR, token=http.ADMIN)
    assert status == 200
    (publisher, event_type, payload), = _wait(stack, 1)
    assert (publisher, event_type) == (f'cepheid-api:{stack.conf.host}', 'flavor.create')
    assert _data(payload) == {
        'description': None, 'disabled': False, 'ephemeral_gb': 0, 'extra_specs': None,
        'flavorid': flavor_id, 'is_public': True, 'memory_mb': 1024, 'name': 'test_flavor',
        'projects': [], 'root_gb': 10, 'rxtx_factor': 2.0, 'swap': 0, 'vcpu_weight': 0,
        'vcpus': 2}

    status, _body = client.post(f'/flavors/{flavor_id}/os-extra_specs',
                                {'extra_specs': {'hw:numa_nodes': '2'}}, token=http.ADMIN)
    assert status == 200
    _pub, event_type, payload = _wait(stack, 2)[1]
    assert event_type == 'flavor.update'
    assert _data(payload)['extra_specs'] == {'hw:numa_nodes': '2'}
    assert payload['nova_object.data']['projects'] == []

    status, _body = client.request('DELETE', f'/flavors/{flavor_id}', token=http.ADMIN)
    assert status == 202
    _pub, event_type, payload = _wait(stack, 3)[2]
    assert event_type == 'flavor.delete'
    data = _data(payload)
    assert (data['flavorid'], data['projects'], data['extra_specs']) == (flavor_id, None, None)


def test_sharing_a_private_flavor_is_an_update_naming_the_projects(stack, client):
    body = {'flavor': dict(NEW_FLAVOR['flavor'], **{'os-flavor-access:is_public': False})}
    assert client.post('/flavors', body, token=http.ADMIN)[0] == 200
    status, access = client.post(f"/flavors/{body['flavor']['id']}/action",
                                 {'addTenantAccess': {'tenant': 'demo-project'}},
                                 token=http.ADMIN)
    assert status == 200, access
    _pub, event_type, payload = _wait(stack, 2)[1]
    assert event_type == 'flavor.update'
    data = _data(payload)
    assert (data['is_public'], data['projects']) == (False, ['demo-project'])


def test_a_server_keeps_its_flavor_once_the_flavor_is_deleted(stack, client):
    flavor = {'flavor': {'name': 'short-lived', 'ram': 256, 'vcpus': 3, 'disk': 2}}
    status, body = client.post('/flavors', flavor, token=http.ADMIN)
    flavor_id = body['flavor']['id']
    client.post(f'/flavors/{flavor_id}/os-extra_specs', {'extra_specs': {'k': 'v'}},
                token=http.ADMIN)
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': flavor_id}})
    assert status == 202, body
    server = wait_for_server(client, body['server']['id'], idle)
    assert client.request('DELETE', f'/flavors/{flavor_id}', token=http.ADMIN)[0] == 202
    assert client.get(f'/flavors/{flavor_id}')[0] == 404

    status, body = client.get(f"/servers/{server['id']}")
    assert status == 200
    assert body['server']['flavor'] == {'original_name': 'short-lived', 'vcpus': 3,
                                        'ram': 256, 'disk': 2, 'ephemeral': 0, 'swap': 0,
                                        'extra_specs': {'k': 'v'}}
    old = http.Client(stack.endpoint, microversion='2.46')
    status, body = old.get(f"/servers/{server['id']}")
    assert status == 200 and body['server']['flavor']['id'] == flavor_id
    # Lifecycle actions still work: a reboot reaches the compute and ends ACTIVE.
    assert client.post(f"/servers/{server['id']}/action", {'reboot': {'type': 'HARD'}})[0] == 202
    wait_for_server(client, server['id'], lambda s: idle(s) and s['OS-EXT-STS:power_state'] == 1)
