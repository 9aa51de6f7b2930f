"""GET /os-services: admin only, up/down from heartbeats."""

import datetime
import re

from cepheid.api.db import models
from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault


def _heartbeat(db, host, binary='cepheid-compute'):
    with db.transaction() as session:
        return db_services.heartbeat(session, host=host, binary=binary, topic='compute')


def test_services_is_admin_only(api):
    resp = api.get('/v2.1/os-services')
    assert fault(resp) == ('forbidden', 403,
                           "Policy doesn't allow os_compute_api:os-services:list to be "
                           "performed.")


def test_services_list_up_and_down(api, db):
    _heartbeat(db, 'compute1')
    _heartbeat(db, 'compute2')
    with db.transaction() as session:
        row = session.get(models.Service, 2)
        row.last_seen_up = models.utcnow() - datetime.timedelta(hours=1)
    services = api.get('/v2.1/os-services', token=conftest.ADMIN,
                       version='2.11').get_json()['services']
    assert [(s['host'], s['state'], s['status'], s['zone']) for s in services] == [
        ('compute1', 'up', 'enabled', 'nova'), ('compute2', 'down', 'enabled', 'nova')]
    assert services[0]['forced_down'] is False
    only = api.get('/v2.1/os-services?host=compute2', token=conftest.ADMIN).get_json()
    assert [s['host'] for s in only['services']] == ['compute2']
    assert 'forced_down' not in only['services'][0]


def test_host_status_follows_the_compute_service(api, db):
    _heartbeat(db, 'compute1')
    inst = fakes.make_instance(db, host='compute1')
    nohost = fakes.make_instance(db, host=None)
    detail = api.get('/v2.1/servers/detail', token=conftest.ADMIN, version='2.16',
                     headers={}).get_json()
    assert detail == {'servers': []}  # admin's own project has none
    by_id = {s['id']: s for s in api.get('/v2.1/servers/detail?all_tenants=1',
                                         token=conftest.ADMIN,
                                         version='2.16').get_json()['servers']}
    assert by_id[inst['uuid']]['host_status'] == 'UP'
    assert by_id[nohost['uuid']]['host_status'] == ''
    assert by_id[nohost['uuid']]['hostId'] == ''


def test_service_id_is_a_stable_uuid_from_253(api, db):
    _heartbeat(db, 'compute1')
    old = api.get('/v2.1/os-services', token=conftest.ADMIN, version='2.52').get_json()
    new = api.get('/v2.1/os-services', token=conftest.ADMIN, version='2.53').get_json()
    again = api.get('/v2.1/os-services', token=conftest.ADMIN, version='latest').get_json()
    assert old['services'][0]['id'] == 1
    assert re.match(r'^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$', new['services'][0]['id'])
    assert new['services'][0]['id'] == again['services'][0]['id']


def test_binary_prefix_nova_names_and_filters_the_binaries(api, conf, db):
    conf.set_override('binary_prefix', 'nova')
    _heartbeat(db, 'compute1')
    services = api.get('/v2.1/os-services?binary=nova-compute',
                       token=conftest.ADMIN).get_json()['services']
    assert [(s['host'], s['binary'], s['zone']) for s in services] == [
        ('compute1', 'nova-compute', 'nova')]
    for other in ('cepheid-compute', 'nova-api', 'compute'):
        assert api.get(f'/v2.1/os-services?binary={other}',
                       token=conftest.ADMIN).get_json() == {'services': []}


def test_default_binary_prefix_is_cepheid(api, db):
    _heartbeat(db, 'compute1')
    assert [s['binary'] for s in api.get('/v2.1/os-services?binary=cepheid-compute',
                                         token=conftest.ADMIN).get_json()['services']] == [
        'cepheid-compute']
    assert api.get('/v2.1/os-services?binary=nova-compute',
                   token=conftest.ADMIN).get_json() == {'services': []}
