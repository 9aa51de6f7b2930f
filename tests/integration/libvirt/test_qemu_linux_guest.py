"""Tier 3: a real Linux guest that powers off on the ACPI power button (see build_guest.sh)."""

import pathlib
import time

import pytest

from cepheid.common import states
from tests.fixtures import driver_contract
from tests.integration.libvirt.helpers import record_timing
from tests.integration.libvirt.helpers import wait_for_console

pytestmark = pytest.mark.integration

CMDLINE = 'console=ttyS0 quiet panic=-1'


def _linux_instance(image, cmdline):
    return driver_contract.make_instance(
        name='linux-guest', memory_mb=128, kernel=str(image / 'vmlinuz'),
        initrd=str(image / 'initrd.gz'), cmdline=cmdline)


def _console(drv, instance):
    return pathlib.Path(drv.conf.libvirt.instances_path) / instance['uuid'] / 'console.log'


@pytest.fixture
def boot(qemu_driver, linux_guest_image):
    """Spawn a Linux guest with extra kernel args and wait until its /init is ready."""
    spawned = []

    def _boot(extra_args='', label='linux'):
        instance = _linux_instance(linux_guest_image, f'{CMDLINE} {extra_args}'.strip())
        qemu_driver.spawn(instance)
        spawned.append(instance)
        record_timing(f'{label}_boot_to_ready', wait_for_console(_console(qemu_driver, instance)))
        return instance

    yield _boot
    for instance in spawned:
        qemu_driver.destroy(instance)


def test_soft_reboot_completes_by_a_real_guest_shutdown(qemu_driver, boot):
    # A long soft wait: a fallback would show up as a wait of 30 s, not as a pass.
    qemu_driver.conf.set_override('wait_soft_reboot_seconds', 30, group='libvirt')
    recorder = driver_contract.EventRecorder()
    qemu_driver.register_event_listener(recorder)
    instance = boot(label='acpi_guest')
    old_id = qemu_driver.get_info(instance).id
    start = time.monotonic()
    qemu_driver.reboot(instance, 'SOFT')
    elapsed = time.monotonic() - start
    record = qemu_driver.rebooter.records[instance['uuid']]
    assert (record.path, record.fallback_reason) == ('soft', None)
    assert qemu_driver.rebooter.soft_fallbacks == 0
    assert elapsed < 15
    info = qemu_driver.get_info(instance)
    assert info.power_state == states.RUNNING and info.id == record.new_id != old_id
    assert recorder.wait_for(instance['uuid'], states.SHUTDOWN)
    record_timing('acpi_guest_soft_shutdown', record.shutdown_seconds)
    record_timing('acpi_guest_soft_create', record.create_seconds)
    record_timing('acpi_guest_soft_reboot_total', elapsed)
    # The guest really booted again: its /init is waiting for the button once more.
    record_timing('acpi_guest_reboot_to_ready',
                  wait_for_console(_console(qemu_driver, instance)))


def test_guest_ignoring_acpi_falls_back_to_hard_after_the_wait(qemu_driver, boot):
    qemu_driver.conf.set_override('wait_soft_reboot_seconds', 3, group='libvirt')
    instance = boot('ignore_acpi', label='ignoring_guest')
    old_id = qemu_driver.get_info(instance).id
    start = time.monotonic()
    qemu_driver.reboot(instance, 'SOFT')
    elapsed = time.monotonic() - start
    record = qemu_driver.rebooter.records[instance['uuid']]
    assert (record.path, record.fallback_reason) == ('soft->hard', 'timeout')
    assert qemu_driver.rebooter.soft_fallbacks == 1
    assert 3 <= elapsed < 15
    info = qemu_driver.get_info(instance)
    assert info.power_state == states.RUNNING and info.id != old_id
    record_timing('ignoring_guest_soft_total', elapsed)
    record_timing('ignoring_guest_fallback_latency_after_wait', record.hard_seconds)
    wait_for_console(_console(qemu_driver, instance))
