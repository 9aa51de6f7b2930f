"""The virt driver contract suite run against the fake driver."""

import pytest

from cepheid.compute.virt import fake
from tests.fixtures import driver_contract


class TestFakeDriverContract(driver_contract.DriverContract):
    @pytest.fixture
    def driver(self):
        drv = fake.FakeDriver(driver_contract.make_conf())
        drv.init_host('contract-host')
        yield drv
        drv.cleanup_host('contract-host')

    def make_ignore_acpi(self, driver, instance):
        driver.ignore_acpi.add(instance['uuid'])

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='fake_driver')
