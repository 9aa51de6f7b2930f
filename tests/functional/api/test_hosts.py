"""/os-hosts (deprecated, to 2.42): hosts of enabled services, resources by project, and
the host actions Cepheid's drivers lack (501), with Nova's codes and policies."""

import pytest

from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import models
from cepheid.api.db import services as db_services
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
PATH = '/v2.1/os-hosts'


def _heartbeat(db, host, binary='cepheid-compute', disabled=False):
    with db.transaction() as session:
        row = db_services.heartbeat(session, host=host, binary=binary, topic='compute')
        session.get(models.Service, row['id']).disabled = disabled


@pytest.fixture
def computes(db):
    _heartbeat(db, 'compute1')
    _heartbeat(db, 'compute2')
    _heartbeat(db, 'compute3', disabled=True)


def test_list_enabled_hosts_and_filter_by_zone(api, computes):
    body = api.get(PATH, token=ADMIN).get_json()
    assert body == {'hosts': [
        {'host_name': 'compute1', 'service': 'compute', 'zone': 'nova'},
        {'host_name': 'compute2', 'service': 'compute', 'zone': 'nova'}]}
    assert len(api.get(PATH + '?zone=nova', token=ADMIN).get_json()['hosts']) == 2
    assert len(api.get(PATH + '?zone=', token=ADMIN).get_json()['hosts']) == 2
    assert api.get(PATH + '?zone=nowhere', token=ADMIN).get_json() == {'hosts': []}


def test_list_shows_an_aggregate_zone(api, computes):
    agg = api.post('/v2.1/os-aggregates', {'aggregate': {'name': 'a', 'availability_zone': 'z'}},
                   token=ADMIN).get_json()['aggregate']
    api.post(f"/v2.1/os-aggregates/{agg['id']}/action", {'add_host': {'host': 'compute2'}},
             token=ADMIN)
    assert api.get(PATH + '?zone=z', token=ADMIN).get_json() == {'hosts': [
        {'host_name': 'compute2', 'service': 'compute', 'zone': 'z'}]}


def test_show_sums_the_instances_per_project(api, db, computes):
    with db.transaction() as session:
        db_compute_nodes.report(session, host='compute1',
                                resources={'vcpus': 8, 'memory_mb': 4096, 'local_gb': 100})
        db_compute_nodes.claim(session, host='compute1', vcpus=3, memory_mb=1536, disk_gb=16)
    fakes.make_instance(db, host='compute1', vcpus=2, memory_mb=1024, root_gb=10,
                        ephemeral_gb=5)
    fakes.make_instance(db, host='compute1', project_id='alt-project')
    fakes.make_instance(db, host='compute2')
    body = api.get(PATH + '/compute1', token=ADMIN).get_json()
    rows = [r['resource'] for r in body['host']]
    assert [r['project'] for r in rows] == ['(total)', '(used_now)', '(used_max)',
                                            'alt-project', 'demo-project']
    assert rows[0] == {'host': 'compute1', 'project': '(total)', 'cpu': 8,
                       'memory_mb': 4096, 'disk_gb': 100}
    assert rows[1] == {'host': 'compute1', 'project': '(used_now)', 'cpu': 3,
                       'memory_mb': 1536, 'disk_gb': 16}
    assert rows[2] == {'host': 'compute1', 'project': '(used_max)', 'cpu': 3,
                       'memory_mb': 1536, 'disk_gb': 16}
    assert rows[4] == {'host': 'compute1', 'project': 'demo-project', 'cpu': 2,
                       'memory_mb': 1024, 'disk_gb': 15}
    assert fault(api.get(PATH + '/nowhere', token=ADMIN)) == (
        'itemNotFound', 404, 'Compute host nowhere could not be found.')
    # A compute that has not reported its node yet: 404, as in Nova.
    assert api.get(PATH + '/compute2', token=ADMIN).status_code == 404


@pytest.mark.parametrize('body', [{}, {'status': 'enable', 'param': 'x'},
                                  {'status': 'invalid'}, {'maintenance_mode': 'invalid'}])
def test_update_bad_bodies_are_400(api, computes, body):
    assert api.request('PUT', PATH + '/compute1', body, token=ADMIN).status_code == 400


def test_update_and_power_actions_are_not_implemented(api, computes):
    resp = api.request('PUT', PATH + '/compute1', {'status': 'disable'}, token=ADMIN)
    assert fault(resp)[:2] == ('notImplemented', 501)
    assert api.request('PUT', PATH + '/nowhere', {'status': 'enable'},
                       token=ADMIN).status_code == 404
    for action in ('reboot', 'shutdown', 'startup'):
        assert api.get(f'{PATH}/compute1/{action}', token=ADMIN).status_code == 501
        assert api.get(f'{PATH}/nowhere/{action}', token=ADMIN).status_code == 404


def test_removed_at_2_43(api, computes):
    assert api.get(PATH, token=ADMIN, version='2.42').status_code == 200
    assert api.get(PATH, token=ADMIN, version='2.43').status_code == 404


@pytest.mark.parametrize('method,path,body', [
    ('GET', PATH, None), ('GET', PATH + '/compute1', None),
    ('PUT', PATH + '/compute1', {'status': 'enable'}),
    ('GET', PATH + '/compute1/reboot', None), ('GET', PATH + '/compute1/shutdown', None),
    ('GET', PATH + '/compute1/startup', None),
])
def test_members_are_refused(api, computes, method, path, body):
    resp = api.request(method, path, body)
    assert resp.status_code == 403
    assert 'os_compute_api:os-hosts:' in fault(resp)[2]
