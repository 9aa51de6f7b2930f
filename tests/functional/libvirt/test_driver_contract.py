"""The virt driver contract suite run against the libvirt driver on libvirt's test driver."""

import pytest

from tests.fixtures import driver_contract


class TestLibvirtDriverContract(driver_contract.DriverContract):
    # Nova's libvirt soft reboot returns False for a guest that is not running: go hard.
    soft_reboot_of_stopped_guest = 'hard'

    @pytest.fixture
    def driver(self, libvirt_driver):
        return libvirt_driver

    def make_ignore_acpi(self, driver, instance):
        instance['ignore_acpi'] = True

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='libvirt')
