"""Tier 1: a soft reboot in flight when libvirtd goes away ends with the guest running."""

import threading

import libvirt
import pytest

from cepheid.common import states
from tests.fixtures import driver_contract


@pytest.fixture
def ignoring_guest(shared_drv):
    """A guest that ignores ACPI, so the soft reboot is still waiting when the outage hits."""
    instance = driver_contract.make_instance(ignore_acpi=True)
    shared_drv.spawn(instance)
    yield instance
    shared_drv.destroy(instance)


def _reboot_in_background(drv, instance):
    thread = threading.Thread(target=drv.reboot, args=(instance, 'SOFT'), daemon=True)
    thread.start()
    # The guest was found running (old_id noted): the shutdown is being sent or waited on.
    assert driver_contract.wait_until(
        lambda: getattr(drv.rebooter.records.get(instance['uuid']), 'old_id', None))
    return thread


def _raw_state(opener, uuid):
    return opener.first.real.lookupByUUIDString(uuid).state()[0]


def test_the_soft_wait_resumes_after_the_reconnect_and_sees_the_guest_off(shared_drv, opener,
                                                                          ignoring_guest):
    shared_drv.conf.set_override('wait_soft_reboot_seconds', 30, group='libvirt')
    uuid = ignoring_guest['uuid']
    thread = _reboot_in_background(shared_drv, ignoring_guest)
    opener.outage()
    # The guest powers off while libvirtd is away; its STOPPED event is never delivered.
    opener.first.real.lookupByUUIDString(uuid).destroy()
    assert driver_contract.wait_until(lambda: opener.refused >= 2)
    opener.refuse = False
    thread.join(10)
    assert not thread.is_alive()
    record = shared_drv.rebooter.records[uuid]
    assert record.path == 'soft', f'the wait resumed and saw the shutdown: {record}'
    assert shared_drv.host.reconnects == 1
    assert _raw_state(opener, uuid) == libvirt.VIR_DOMAIN_RUNNING
    assert shared_drv.get_info(ignoring_guest).power_state == states.RUNNING


def test_an_outage_longer_than_reconnect_timeout_falls_back_to_hard_once_back(
        shared_drv, opener, ignoring_guest):
    shared_drv.conf.set_override('wait_soft_reboot_seconds', 30, group='libvirt')
    uuid = ignoring_guest['uuid']
    thread = _reboot_in_background(shared_drv, ignoring_guest)
    opener.outage()
    # [libvirt] reconnect_timeout is 1 s: the soft path gives up, the hard path waits again.
    assert driver_contract.wait_until(
        lambda: shared_drv.rebooter.records[uuid].fallback_reason is not None, timeout=5)
    opener.refuse = False
    thread.join(10)
    assert not thread.is_alive()
    record = shared_drv.rebooter.records[uuid]
    assert (record.path, record.fallback_reason) == ('soft->hard', 'libvirt unavailable')
    assert _raw_state(opener, uuid) == libvirt.VIR_DOMAIN_RUNNING
    assert shared_drv.get_info(ignoring_guest).power_state == states.RUNNING
