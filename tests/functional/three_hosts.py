"""The three-compute stack the move tests share (resize, live migration, evacuate, delete
during a move): the all-in-one api + three fake computes, and a server placed on one."""

from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest

HOSTS = ('compute1', 'compute2', 'compute3')
ADMIN = http.ADMIN


def start(hosts=HOSTS, **overrides):
    """A running all-in-one stack with the fake driver (``overrides``: as make_conf's)."""
    conf = allinone.make_conf(compute_driver='fake', **overrides)
    return allinone.AllInOne(conf, hosts=hosts).start()


def create_on(client, host='compute1'):
    """An ACTIVE, idle server placed on ``host`` (the admin's ``nova:host`` zone)."""
    body = {'server': {'name': 'vm', 'flavorRef': '1', 'availability_zone': f'nova:{host}'}}
    status, body = client.post('/servers', body, token=ADMIN)
    assert status == 202, body
    return conftest.wait_for_server(client, body['server']['id'], conftest.idle, token=ADMIN)
