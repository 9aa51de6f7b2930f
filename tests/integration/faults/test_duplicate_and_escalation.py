"""Fault 3: a duplicated reboot_instance message reboots once.
Fault 5: HARD during a soft reboot of a guest that ignores ACPI is ACTIVE within 2 s."""

import time

import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import objects
from cepheid.common import rpc
from cepheid.compute import rpcapi as compute_rpcapi
from tests.fixtures import http
from tests.fixtures import processes
from tests.integration.faults.conftest import Rows

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def cluster(make_cluster):
    return make_cluster(hosts=['hostA'], compute_options={
        'fake_driver.reboot_delay': 0.5, 'fake_driver.ignore_acpi': True,
        'fake_driver.wait_soft_reboot_seconds': 60})


def _rpcapi(cluster):
    conf = config.make_conf()
    conf([])
    conf.set_override('transport_url', cluster.transport_url)
    return compute_rpcapi.ComputeRPCAPI(rpc.get_rpc_transport(conf))


def _latest_request_id(cluster, server_id):
    _, body = cluster.client.get(f'/servers/{server_id}/os-instance-actions',
                                 token=http.ADMIN)
    return body['instanceActions'][0]['request_id']


def test_the_same_reboot_message_delivered_twice_reboots_once(cluster):
    rows = Rows(cluster)
    recorder = cluster.listener()
    server_id = cluster.create_on('hostA', 'dup')
    assert cluster.reboot(server_id, 'HARD')[0] == 202
    request_id = _latest_request_id(cluster, server_id)
    instance = objects.instance_to_primitive(rows.instance(server_id))
    context = cep_context.RequestContext(
        user_id=instance['user_id'], project_id=instance['project_id'], roles=['admin'],
        request_id=request_id, overwrite=False)
    rpcapi = _rpcapi(cluster)
    rpcapi.send(context, compute_rpcapi.reboot_instance(instance, 'HARD'))
    rpcapi.send(context, compute_rpcapi.reboot_instance(instance, 'HARD'))
    cluster.wait_idle(server_id)
    # A later request queues behind the duplicates on the same instance: once it ends,
    # both duplicates have been handled.
    assert cluster.reboot(server_id, 'HARD')[0] == 202
    sentinel = _latest_request_id(cluster, server_id)
    recorder.wait_for(lambda evs: any(
        e[2] == 'instance.reboot.end'
        and e[3]['nova_object.data']['request_id'] == sentinel for e in evs))
    ends = [e for e in recorder.events if e[2] == 'instance.reboot.end'
            and e[3]['nova_object.data']['request_id'] == request_id]
    starts = [e for e in recorder.events if e[2] == 'instance.reboot.start'
              and e[3]['nova_object.data']['request_id'] == request_id]
    assert (len(starts), len(ends)) == (1, 1)
    events = [evs for a, evs in rows.actions(server_id) if a['request_id'] == request_id][0]
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Success')]
    print('\nduplicate delivery: 2 extra copies sent, reboots run: 1')
    recorder.close()


def test_hard_during_a_soft_reboot_of_an_acpi_ignoring_guest_is_active_within_2s(cluster):
    rows = Rows(cluster)
    server_id = cluster.create_on('hostA', 'escalate')
    assert cluster.reboot(server_id, 'SOFT')[0] == 202
    soft_request = _latest_request_id(cluster, server_id)
    processes.wait_until(
        lambda: cluster.server(server_id)['OS-EXT-STS:task_state'] == 'reboot_started',
        10, 'soft reboot waiting on the guest')
    asked = time.monotonic()
    assert cluster.reboot(server_id, 'HARD')[0] == 202
    cluster.wait_idle(server_id, timeout=10)
    took = time.monotonic() - asked
    print(f'\nescalation: HARD accepted → ACTIVE in {took:.2f} s (soft wait was 60 s)')
    assert took < 2.0
    actions = rows.actions(server_id)
    reboots = [(a['request_id'], [(e['event'], e['result']) for e in evs])
               for a, evs in actions if a['action'] == 'reboot']
    assert len(reboots) == 2
    assert all(events == [('compute_reboot_instance', 'Success')] for _, events in reboots)
    assert soft_request in {r for r, _ in reboots}
