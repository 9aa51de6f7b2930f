"""Servers asked in an availability zone land on a host of that zone (Nova's
AvailabilityZoneFilter): an aggregate's zone, ``nova`` for hosts in no zoned aggregate."""

import pytest

from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest


@pytest.fixture
def client():
    running = allinone.AllInOne(allinone.make_conf(compute_driver='fake'),
                                hosts=('compute1', 'compute2')).start()
    yield http.Client(running.endpoint)
    running.stop()


def _server_in(client, zone):
    status, body = client.post('/servers', {'server': {
        'name': f'in-{zone}', 'flavorRef': '1', 'availability_zone': zone}})
    assert status == 202, body
    return conftest.wait_for_server(
        client, body['server']['id'],
        lambda s: s['status'] == 'ERROR' or conftest.idle(s), token=http.ADMIN)


def test_servers_land_in_the_zone_asked_for(client):
    status, body = client.post('/os-aggregates', {'aggregate': {
        'name': 'rack2', 'availability_zone': 'az2'}}, token=http.ADMIN)
    assert status == 200, body
    status, body = client.post(f"/os-aggregates/{body['aggregate']['id']}/action",
                               {'add_host': {'host': 'compute2'}}, token=http.ADMIN)
    assert status == 200, body
    for _ in range(3):
        server = _server_in(client, 'az2')
        assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute2')
        server = _server_in(client, 'nova')
        assert (server['status'], server['OS-EXT-SRV-ATTR:host']) == ('ACTIVE', 'compute1')
    server = _server_in(client, 'nowhere')
    assert server['status'] == 'ERROR'
    assert server['fault']['message'].startswith('No valid host was found.')
