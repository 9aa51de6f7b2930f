"""Key pairs and servers on the real stack: key_name at create is stored, shown and carried
by the instance notifications; rebuild (2.54) swaps or removes it, and refuses an unknown one."""

from cepheid.common import states
from tests.fixtures import driver_contract
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server
from tests.functional.test_power_actions import settled


def _keypair(client, name):
    status, body = client.post('/os-keypairs', {'keypair': {'name': name}})
    assert status == 201, body
    return body['keypair']


def _rebuild(client, server_id, key_name):
    return client.post(f'/servers/{server_id}/action',
                       {'rebuild': {'imageRef': driver_contract.IMAGE_B, 'key_name': key_name}},
                       headers={'OpenStack-API-Version': 'compute 2.54'})


def test_key_name_is_stored_shown_and_in_the_create_notifications(stack, client):
    _keypair(client, 'mykey')
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1',
                                                       'key_name': 'mykey'}})
    assert status == 202, body
    server = wait_for_server(client, body['server']['id'], idle)
    assert server['key_name'] == 'mykey'

    def create_end(events):
        return [p for _, _, et, p in events if et == 'instance.create.end'
                and p['nova_object.data']['uuid'] == server['id']]
    (payload,) = create_end(stack.recorder.wait_for(create_end))
    assert payload['nova_object.data']['key_name'] == 'mykey'


def test_rebuild_swaps_and_removes_the_key(stack, client, server):
    _keypair(client, 'second')
    status, body = _rebuild(client, server['id'], 'second')
    assert status == 202, body
    after = wait_for_server(client, server['id'], settled(states.ACTIVE))
    assert after['key_name'] == 'second'
    status, body = _rebuild(client, server['id'], None)
    assert status == 202, body
    assert wait_for_server(client, server['id'], settled(states.ACTIVE))['key_name'] is None


def test_rebuild_with_another_users_key_is_400(stack, client, server):
    assert client.post('/os-keypairs', {'keypair': {'name': 'theirs'}},
                       token=http.OTHER)[0] == 201
    status, body = _rebuild(client, server['id'], 'theirs')
    assert (status, body) == (400, {'badRequest': {
        'code': 400, 'message': 'Invalid key_name provided.'}})


def _keypair_events(events):
    return [(pub, et, p) for _, pub, et, p in events if et.startswith('keypair.')]


def test_create_import_and_delete_emit_novas_keypair_notifications(stack, client):
    generated = _keypair(client, 'gen')
    status, imported = client.post('/os-keypairs', {'keypair': {
        'name': 'imp', 'public_key': generated['public_key']}})
    assert status == 201, imported
    assert client.request('DELETE', '/os-keypairs/gen')[0] == 204
    events = _keypair_events(stack.recorder.wait_for(lambda evs: len(_keypair_events(evs)) == 6))
    assert [et for _, et, _ in events] == [
        'keypair.create.start', 'keypair.create.end', 'keypair.import.start',
        'keypair.import.end', 'keypair.delete.start', 'keypair.delete.end']
    assert {pub for pub, _, _ in events} == {f'cepheid-api:{stack.conf.host}'}
    for _, _, payload in events:
        assert (payload['nova_object.name'], payload['nova_object.version']) == (
            'KeypairPayload', '1.0')
    data = [p['nova_object.data'] for _, _, p in events]
    key = generated['public_key']
    # As Nova's samples: nothing generated yet at create.start, no fingerprint at import.start.
    assert data[0] == {'user_id': 'demo', 'name': 'gen', 'type': 'ssh', 'fingerprint': None,
                       'public_key': None}
    assert data[1] == dict(data[0], fingerprint=generated['fingerprint'], public_key=key)
    assert data[2] == dict(data[0], name='imp', public_key=key)
    assert data[3] == dict(data[2], fingerprint=generated['fingerprint'])
    assert data[4] == data[5] == data[1]
