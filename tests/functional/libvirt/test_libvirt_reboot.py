"""Tier 1: the libvirt driver's reboot paths on libvirt's test driver."""

import logging
import threading
import time

import libvirt
import pytest

from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import driver_contract

make_instance = driver_contract.make_instance
FALLBACK_MESSAGE = 'Failed to soft reboot instance. Trying hard reboot.'


@pytest.fixture
def drv(libvirt_driver):
    return libvirt_driver


@pytest.fixture
def guest(drv):
    instance = make_instance(root_gb=1)
    drv.spawn(instance)
    yield instance
    drv.destroy(instance)


@pytest.fixture
def ignoring_guest(drv):
    instance = make_instance(ignore_acpi=True)
    drv.spawn(instance)
    yield instance
    drv.destroy(instance)


def _domain(drv, uuid):
    """A raw, freshly looked-up domain on the driver's own (private) connection."""
    return drv.host.call(lambda conn: conn.lookupByUUIDString(uuid))


def test_soft_reboot_shuts_down_and_starts_with_a_new_domain_id(drv, guest):
    old_id = _domain(drv, guest['uuid']).ID()
    drv.reboot(guest, 'SOFT')
    record = drv.rebooter.records[guest['uuid']]
    assert record.path == 'soft'
    assert drv.rebooter.soft_fallbacks == 0
    assert record.old_id == old_id
    assert record.new_id == _domain(drv, guest['uuid']).ID() != old_id
    assert record.shutdown_seconds is not None and record.create_seconds is not None


def test_ignored_soft_reboot_falls_back_to_hard_within_the_wait(drv, ignoring_guest, caplog):
    caplog.set_level(logging.WARNING)
    old_id = _domain(drv, ignoring_guest['uuid']).ID()
    start = time.monotonic()
    drv.reboot(ignoring_guest, 'SOFT')
    elapsed = time.monotonic() - start
    record = drv.rebooter.records[ignoring_guest['uuid']]
    assert 1.0 <= elapsed < 5.0   # [libvirt] wait_soft_reboot_seconds = 1
    assert (record.path, record.fallback_reason) == ('soft->hard', 'timeout')
    assert drv.rebooter.soft_fallbacks == 1
    assert FALLBACK_MESSAGE in caplog.text
    dom = _domain(drv, ignoring_guest['uuid'])
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING and dom.ID() != old_id


def test_soft_reboot_of_a_paused_guest_goes_hard(drv, guest):
    drv.pause(guest)
    drv.reboot(guest, 'SOFT')
    record = drv.rebooter.records[guest['uuid']]
    assert (record.path, record.fallback_reason) == ('soft->hard', 'not running')
    assert drv.get_info(guest).power_state == states.RUNNING


def test_escalation_ends_the_soft_wait_and_reboots_hard(drv, ignoring_guest):
    drv.conf.set_override('wait_soft_reboot_seconds', 60, group='libvirt')
    uuid = ignoring_guest['uuid']
    thread = threading.Thread(target=drv.reboot, args=(ignoring_guest, 'SOFT'), daemon=True)
    start = time.monotonic()
    thread.start()
    assert driver_contract.wait_until(lambda: drv.waiter.is_waiting(uuid, escalatable=True))
    assert drv.escalate_reboot(uuid) is True
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - start < 10
    record = drv.rebooter.records[uuid]
    assert (record.path, record.fallback_reason) == ('soft->hard', 'escalated')
    assert drv.get_info(ignoring_guest).power_state == states.RUNNING


def test_hard_reboot_recreates_a_domain_lost_behind_the_drivers_back(drv, guest):
    dom = _domain(drv, guest['uuid'])
    dom.destroy()
    dom.undefine()
    assert guest['uuid'] not in drv.list_instance_uuids()
    drv.reboot(guest, 'HARD')
    assert drv.get_info(guest).power_state == states.RUNNING
    assert _domain(drv, guest['uuid']).name() == 'instance-' + guest['uuid']


def test_hard_reboot_regenerates_the_xml_from_the_instance(drv, guest):
    drv.reboot(dict(guest, memory_mb=128, vcpus=2), 'HARD')
    dom = _domain(drv, guest['uuid'])
    assert dom.maxMemory() == 128 * 1024
    assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG) == 2


def test_hard_reboot_keeps_the_disk(drv, guest, tmp_path):
    disk = tmp_path / 'instances' / guest['uuid'] / 'disk'
    with open(disk, 'r+b') as handle:
        handle.write(b'cepheid-was-here')
    drv.reboot(guest, 'HARD')
    assert disk.read_bytes()[:16] == b'cepheid-was-here'


def test_hard_reboot_of_a_suspended_guest_boots_it_fresh(drv, guest):
    drv.suspend(guest)
    drv.reboot(guest, 'HARD')
    dom = _domain(drv, guest['uuid'])
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert not dom.hasManagedSaveImage()


def test_hard_reboot_that_cannot_define_the_guest_raises_reboot_failure(drv, guest):
    with pytest.raises(exception.InstanceRebootFailure):
        drv.reboot(dict(guest, vcpus=0), 'HARD')


def test_destroy_removes_the_instance_directory(drv, tmp_path):
    instance = make_instance(root_gb=1)
    drv.spawn(instance)
    directory = tmp_path / 'instances' / instance['uuid']
    assert (directory / 'disk').exists() and (directory / 'libvirt.xml').exists()
    drv.destroy(instance)
    assert not directory.exists()


def test_spawn_of_a_running_guest_is_a_spawn_failure(drv, guest):
    with pytest.raises(exception.InstanceSpawnFailure):
        drv.spawn(guest)
