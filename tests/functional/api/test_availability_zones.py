"""GET /os-availability-zone(/detail): zones from the services, Nova's bodies and policies."""

import datetime

from cepheid.api.db import models
from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api.conftest import fault


def _heartbeat(db, host, binary='cepheid-compute'):
    with db.transaction() as session:
        return db_services.heartbeat(session, host=host, binary=binary, topic='compute')


def _set(db, service_id, **values):
    with db.transaction() as session:
        row = session.get(models.Service, service_id)
        for key, value in values.items():
            setattr(row, key, value)


def test_list_shows_nova_to_any_caller_and_hides_internal(api, db):
    _heartbeat(db, 'compute1')
    _heartbeat(db, 'api1', binary='cepheid-api')
    for token in (conftest.MEMBER, conftest.ADMIN):
        resp = api.get('/v2.1/os-availability-zone', token=token)
        assert resp.status_code == 200
        assert resp.get_json() == {'availabilityZoneInfo': [
            {'zoneName': 'nova', 'zoneState': {'available': True}, 'hosts': None}]}


def test_a_zone_with_only_disabled_services_is_unavailable(api, db):
    _set(db, _heartbeat(db, 'compute1')['id'], disabled=True)
    assert api.get('/v2.1/os-availability-zone').get_json() == {'availabilityZoneInfo': [
        {'zoneName': 'nova', 'zoneState': {'available': False}, 'hosts': None}]}


def test_no_services_no_zones(api):
    assert api.get('/v2.1/os-availability-zone').get_json() == {'availabilityZoneInfo': []}


def test_detail_lists_hosts_and_services_for_admins(api, db):
    _heartbeat(db, 'compute1')
    down = _heartbeat(db, 'compute2')
    _set(db, down['id'], last_seen_up=models.utcnow() - datetime.timedelta(hours=1))
    _heartbeat(db, 'api1', binary='cepheid-api')
    _set(db, _heartbeat(db, 'compute3')['id'], disabled=True)
    body = api.get('/v2.1/os-availability-zone/detail', token=conftest.ADMIN).get_json()
    zones = {z['zoneName']: z for z in body['availabilityZoneInfo']}
    assert sorted(zones) == ['internal', 'nova']
    assert zones['internal']['zoneState'] == {'available': True}
    assert list(zones['internal']['hosts']) == ['api1']
    nova = zones['nova']['hosts']
    assert sorted(nova) == ['compute1', 'compute2']  # compute3 is disabled
    assert nova['compute1']['cepheid-compute']['available'] is True
    assert nova['compute2']['cepheid-compute']['available'] is False
    assert nova['compute1']['cepheid-compute']['active'] is True
    assert nova['compute1']['cepheid-compute']['updated_at'].startswith(
        str(models.utcnow().year))


def test_detail_is_admin_only(api, db):
    _heartbeat(db, 'compute1')
    assert fault(api.get('/v2.1/os-availability-zone/detail')) == (
        'forbidden', 403, "Policy doesn't allow os_compute_api:os-availability-zone:detail "
                          "to be performed.")
