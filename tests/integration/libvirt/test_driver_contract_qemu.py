"""Tier 2: the virt driver contract suite against real libvirtd + QEMU/TCG (no-OS guests)."""

import pytest

from cepheid.common import exception
from tests.fixtures import driver_contract

pytestmark = pytest.mark.integration


class TestQemuDriverContract(driver_contract.DriverContract):
    soft_reboot_of_stopped_guest = 'hard'
    password_refusal = exception.InstanceAgentNotEnabled

    @pytest.fixture
    def driver(self, qemu_driver):
        return qemu_driver

    def make_ignore_acpi(self, driver, instance):
        # A guest without an OS never answers the power button anyway.
        instance['ignore_acpi'] = True

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='libvirt')

    def booted_image(self, driver, instance):
        return driver_contract.libvirt_booted_image(driver, instance)
