"""A forced destination, as Nova: ``force: true`` with a host (os-migrateLive 2.30-2.67,
evacuate 2.29-2.67), or any named host below those microversions, skips every scheduler
filter (a disabled host, a server group); only the host's compute must be up (live
migration) and have room for the flavor (its claim). Without ``force`` the named host is
filtered."""

import pytest

from tests.fixtures import http
from tests.functional import conftest
from tests.functional import three_hosts

ADMIN = three_hosts.ADMIN


@pytest.fixture
def stack():
    # 2 GB per host: four tiny servers fill one.
    running = three_hosts.start(**{'fake_driver.memory_mb': 2048})
    yield running
    running.stop()



def _disable(client, host):
    service_id = three_hosts.service(client, host)['id']
    status, body = client.request('PUT', f'/os-services/{service_id}',
                                  {'status': 'disabled'}, token=ADMIN)
    assert status == 200 and body['service']['status'] == 'disabled', body


def _live(client, server_id, host, **options):
    return client.post(f'/servers/{server_id}/action', {'os-migrateLive': {
        'block_migration': 'auto', 'host': host, **options}}, token=ADMIN)


def _arrives(client, server_id, host):
    return conftest.wait_for_server(
        client, server_id, lambda s: conftest.idle(s) and s['OS-EXT-SRV-ATTR:host'] == host,
        token=ADMIN)


def test_a_forced_live_migration_skips_the_filters(stack, client):
    v230 = http.Client(stack.endpoint, microversion='2.30')
    v225 = http.Client(stack.endpoint, microversion='2.25')
    first = three_hosts.create_on(client, 'compute1')['id']
    second = three_hosts.create_on(client, 'compute1')['id']
    _disable(client, 'compute2')
    # Not forced: the disabled host is filtered out (2.30 without force, and 2.68+).
    for answer in (_live(v230, first, 'compute2'), _live(client, first, 'compute2')):
        status, body = answer
        assert status == 400 and body['badRequest']['message'].startswith(
            'No valid host was found.'), body
    # Forced: it goes there all the same.
    assert _live(v230, first, 'compute2', force=True)[0] == 202
    assert _arrives(client, first, 'compute2')['status'] == 'ACTIVE'
    # Before 2.30 a named host is forced too.
    assert _live(v225, second, 'compute2')[0] == 202
    _arrives(client, second, 'compute2')
    assert sorted(stack.computes['compute2'].driver.guests) == sorted([first, second])


def test_a_forced_live_migration_still_needs_an_up_host_with_room(stack, client):
    v230 = http.Client(stack.endpoint, microversion='2.30')
    server = three_hosts.create_on(client, 'compute1')['id']
    for _ in range(4):
        three_hosts.create_on(client, 'compute2')
    status, body = _live(v230, server, 'compute2', force=True)
    assert status == 400, body
    assert body['badRequest']['message'] == (
        f'No valid host was found. Unable to move instance {server} to host compute2. '
        'There is not enough capacity on the host for the instance.')
    three_hosts.take_down(stack, client, 'compute3')
    status, body = _live(v230, server, 'compute3', force=True)
    assert (status, body['badRequest']['message']) == (
        400, 'Compute service of compute3 is unavailable at this time.')
    server_view = conftest.wait_for_server(client, server, conftest.idle, token=ADMIN)
    assert server_view['OS-EXT-SRV-ATTR:host'] == 'compute1'


def test_a_forced_evacuation_skips_the_filters(stack, client):
    v229 = http.Client(stack.endpoint, microversion='2.29')
    first = three_hosts.create_on(client, 'compute1')['id']
    second = three_hosts.create_on(client, 'compute1')['id']
    _disable(client, 'compute2')
    _disable(client, 'compute3')
    three_hosts.take_down(stack, client, 'compute1')
    # Forced onto the disabled host: rebuilt there.
    evacuate = {'evacuate': {'host': 'compute2', 'force': True}}
    assert v229.post(f'/servers/{first}/action', evacuate, token=ADMIN)[0] == 200
    assert _arrives(client, first, 'compute2')['status'] == 'ACTIVE'
    # Not forced: the named host is filtered, the server ends ERROR (Nova's 200 first).
    evacuate = {'evacuate': {'host': 'compute2'}}
    assert v229.post(f'/servers/{second}/action', evacuate, token=ADMIN)[0] == 200
    failed = conftest.wait_for_server(client, second, lambda s: s['status'] == 'ERROR',
                                      token=ADMIN)
    assert failed['fault']['message'].startswith('No valid host was found.')
