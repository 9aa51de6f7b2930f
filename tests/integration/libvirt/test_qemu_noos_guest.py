"""Tier 2: a no-OS guest (SeaBIOS only) on real libvirtd + QEMU/TCG."""

import time

import libvirt
import pytest

from cepheid.common import states
from tests.fixtures import driver_contract
from tests.integration.libvirt.helpers import record_timing

pytestmark = pytest.mark.integration


@pytest.fixture
def noos_guest(qemu_driver):
    instance = driver_contract.make_instance(name='no-os', memory_mb=96, image_ref=None)
    start = time.monotonic()
    qemu_driver.spawn(instance)
    record_timing('noos_spawn', time.monotonic() - start)
    yield instance
    qemu_driver.destroy(instance)


def test_spawn_hard_reboot_and_destroy(qemu_driver, noos_guest):
    before = qemu_driver.get_info(noos_guest)
    assert before.power_state == states.RUNNING
    start = time.monotonic()
    qemu_driver.reboot(noos_guest, 'HARD')
    record_timing('noos_hard_reboot', time.monotonic() - start)
    after = qemu_driver.get_info(noos_guest)
    assert after.power_state == states.RUNNING and after.id != before.id
    start = time.monotonic()
    qemu_driver.destroy(noos_guest)
    record_timing('noos_destroy', time.monotonic() - start)
    assert noos_guest['uuid'] not in qemu_driver.list_instance_uuids()


def test_soft_reboot_of_a_guest_without_os_falls_back_to_hard(qemu_driver, noos_guest):
    wait = qemu_driver.conf.libvirt.wait_soft_reboot_seconds
    old_id = qemu_driver.get_info(noos_guest).id
    start = time.monotonic()
    qemu_driver.reboot(noos_guest, 'SOFT')
    elapsed = time.monotonic() - start
    record = qemu_driver.rebooter.records[noos_guest['uuid']]
    assert (record.path, record.fallback_reason) == ('soft->hard', 'timeout')
    assert wait <= elapsed < wait + 10
    assert record.new_id != old_id
    assert qemu_driver.get_info(noos_guest).power_state == states.RUNNING
    record_timing('noos_soft_fallback_total', elapsed)
    record_timing('noos_soft_fallback_latency_after_wait', record.hard_seconds)


def test_driver_reconnects_after_libvirtd_restarts(libvirtd, qemu_driver, noos_guest):
    if not libvirtd.started_by_us:
        pytest.skip('libvirtd was already running; the suite restarts only its own daemon '
                    f'(found: {libvirtd.found})')
    before = qemu_driver.get_info(noos_guest)
    start = time.monotonic()
    libvirtd.restart()
    record_timing('libvirtd_restart', time.monotonic() - start)
    after = qemu_driver.get_info(noos_guest)
    assert after.power_state == states.RUNNING and after.id == before.id
    assert qemu_driver.host.reconnects == 1
    qemu_driver.reboot(noos_guest, 'HARD')
    assert qemu_driver.get_info(noos_guest).power_state == states.RUNNING


def test_the_guest_runs_under_tcg_not_kvm(qemu_driver, noos_guest):
    xml = qemu_driver.host.call(
        lambda conn: conn.lookupByUUIDString(noos_guest['uuid']).XMLDesc())
    assert "<domain type='qemu'" in xml
    assert '<graphics' not in xml
    state, _reason = qemu_driver.host.call(
        lambda conn: conn.lookupByUUIDString(noos_guest['uuid']).state())
    assert state == libvirt.VIR_DOMAIN_RUNNING
