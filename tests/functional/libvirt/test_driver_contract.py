"""The virt driver contract suite run against the libvirt driver on libvirt's test driver."""

import pytest

from tests.fixtures import driver_contract


class TestLibvirtDriverContract(driver_contract.DriverContract):
    @pytest.fixture
    def driver(self, libvirt_driver):
        return libvirt_driver

    def make_ignore_acpi(self, driver, instance):
        instance['ignore_acpi'] = True

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='libvirt')
