"""Tier 1: connection URI choice, reconnect on a broken connection, HypervisorUnavailable."""

import threading
import time

import pytest

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute.virt.libvirt import connection
from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod
from tests.fixtures import driver_contract


@pytest.mark.parametrize('virt_type, uri', [
    ('qemu', 'qemu:///system'), ('kvm', 'qemu:///system'), ('test', 'test:///default'),
])
def test_uri_is_derived_from_virt_type(virt_type, uri):
    conf = driver_contract.make_conf(virt_type=virt_type)
    assert connection.uri_for(conf) == uri


def test_connection_uri_wins_over_virt_type(node_uri):
    conf = driver_contract.make_conf(virt_type='kvm', connection_uri=node_uri)
    assert connection.uri_for(conf) == node_uri


def test_domain_type_follows_the_connection_and_never_picks_kvm(libvirt_driver):
    assert libvirt_driver.domain_type == 'test'


def test_a_broken_connection_is_reopened_and_the_call_retried(shared_drv, opener):
    instance = driver_contract.make_instance()
    recorder = driver_contract.EventRecorder()
    shared_drv.register_event_listener(recorder)
    shared_drv.spawn(instance)
    try:
        opener.first.die()
        assert shared_drv.get_info(instance).power_state == states.RUNNING
        assert shared_drv.host.reconnects == 1
        # Lifecycle callbacks were registered again on the new connection.
        shared_drv.pause(instance)
        assert recorder.wait_for(instance['uuid'], states.PAUSED_POWER)
    finally:
        shared_drv.destroy(instance)


def test_a_call_during_an_outage_waits_for_libvirtd_and_then_succeeds(shared_drv, opener):
    instance = driver_contract.make_instance()
    shared_drv.spawn(instance)
    try:
        opener.outage()
        result = {}
        caller = threading.Thread(
            target=lambda: result.update(info=shared_drv.get_info(instance)))
        caller.start()
        # libvirtd "restarts": several refused attempts with backoff, then it answers.
        assert driver_contract.wait_until(lambda: opener.refused >= 3)
        assert caller.is_alive(), 'the call waits for the reconnect instead of failing'
        opener.refuse = False
        caller.join(5)
        assert result['info'].power_state == states.RUNNING
        assert shared_drv.host.reconnects == 1
        assert shared_drv.host.last_outage_seconds > 0
    finally:
        shared_drv.destroy(instance)


def test_an_outage_longer_than_reconnect_timeout_is_hypervisor_unavailable(shared_drv,
                                                                            opener):
    opener.outage()
    start = time.monotonic()
    with pytest.raises(exception.HypervisorUnavailable) as info:
        shared_drv.list_instance_uuids()
    assert 1.0 <= time.monotonic() - start < 3.0     # [libvirt] reconnect_timeout = 1
    assert 'h1' in str(info.value)
    # The reconnector goes on by itself: once libvirtd is back, calls work again.
    opener.refuse = False
    assert driver_contract.wait_until(lambda: shared_drv.host.reconnects == 1)
    assert isinstance(shared_drv.list_instance_uuids(), list)


def test_after_a_reconnect_every_guest_state_is_reported_again(shared_drv, opener):
    """No call needed: the close callback starts the reconnect, and the power states
    changed during the outage (their events were lost) reach the listener."""
    recorder = driver_contract.EventRecorder()
    shared_drv.register_event_listener(recorder)
    stays, stops = driver_contract.make_instance(), driver_contract.make_instance()
    for instance in (stays, stops):
        shared_drv.spawn(instance)
    try:
        assert recorder.wait_for(stops['uuid'], states.RUNNING)
        opener.outage()
        opener.first.real.lookupByUUIDString(stops['uuid']).destroy()  # during the outage
        before = len(recorder.events)
        assert (stops['uuid'], states.SHUTDOWN) not in recorder.events
        opener.refuse = False
        assert driver_contract.wait_until(lambda: {
            (stops['uuid'], states.SHUTDOWN), (stays['uuid'], states.RUNNING),
        } <= set(recorder.events[before:]))
        assert shared_drv.host.reconnects == 1
    finally:
        for instance in (stays, stops):
            shared_drv.destroy(instance)


def test_an_unreachable_hypervisor_fails_init_host(tmp_path):
    conf = driver_contract.make_conf(connection_uri=f'test://{tmp_path}/missing/node.xml')
    drv = libvirt_driver_mod.LibvirtDriver(conf)
    with pytest.raises(exception.HypervisorUnavailable):
        drv.init_host('h1')
    drv.cleanup_host('h1')


def test_errors_on_a_live_connection_are_not_retried(libvirt_driver):
    instance = driver_contract.make_instance()
    libvirt_driver.spawn(instance)
    try:
        with pytest.raises(exception.VirtDriverError):
            libvirt_driver.unpause(instance)
        assert libvirt_driver.host.reconnects == 0
    finally:
        libvirt_driver.destroy(instance)
