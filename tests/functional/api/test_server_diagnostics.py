"""GET /servers/{id}/diagnostics: admin only, the driver's dict before 2.48, Nova's fields
from 2.48, 409 when the server has no host or its guest is not running."""

from cepheid.common import states
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
FIELDS_248 = {'state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime', 'config_drive',
              'num_cpus', 'num_nics', 'num_disks', 'memory_details', 'cpu_details',
              'nic_details', 'disk_details'}


def _path(instance):
    return f"/v2.1/servers/{instance['uuid']}/diagnostics"


def test_before_248_the_drivers_own_dict(api, instance, compute_api):
    resp = api.get(_path(instance), token=ADMIN, version='2.47')
    assert resp.status_code == 200
    assert resp.get_json() == {'cpu0_time': 17300000000, 'memory': 524288, 'vda_read': 262144}
    assert compute_api.calls == [('get_diagnostics', instance['uuid'], False)]


def test_from_248_novas_fields_only(api, instance, compute_api):
    body = api.get(_path(instance), token=ADMIN, version='2.48').get_json()
    assert set(body) == FIELDS_248
    assert body['memory_details'] == {'maximum': 512, 'used': 256}
    assert (body['num_cpus'], body['num_nics'], body['num_disks']) == (1, 0, 1)
    assert compute_api.calls == [('get_diagnostics', instance['uuid'], True)]


def test_member_is_403_and_other_projects_server_404(api, instance):
    assert fault(api.get(_path(instance)))[:2] == ('forbidden', 403)
    assert fault(api.get('/v2.1/servers/2b7c0d8e-7d2f-4a43-9a63-0c4f1f0e3f11/diagnostics',
                         token=ADMIN))[:2] == ('itemNotFound', 404)


def test_server_without_host_is_409(api, db):
    instance = fakes.make_instance(db, host=None, node=None)
    assert fault(api.get(_path(instance), token=ADMIN)) == (
        'conflictingRequest', 409, f"Instance {instance['uuid']} is not ready")


def test_guest_not_running_is_409(api, db):
    instance = fakes.make_instance(db, vm_state=states.STOPPED, power_state=states.SHUTDOWN)
    assert fault(api.get(_path(instance), token=ADMIN, version='2.48')) == (
        'conflictingRequest', 409,
        f"Cannot 'get_diagnostics' instance {instance['uuid']} while it is in power state "
        "shutdown")
