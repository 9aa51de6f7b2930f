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

    def booted_image(self, driver, instance):
        guest = driver.guests[instance['uuid']]
        return guest.rescue_image_ref if guest.rescued else guest.image_ref

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='fake_driver')


def test_a_booted_guest_has_a_boot_log_ending_in_a_login_prompt():
    drv = fake.FakeDriver(driver_contract.make_conf())
    drv.init_host('contract-host')
    instance = driver_contract.make_instance()
    drv.spawn(instance)
    lines = drv.get_console_output(instance).splitlines()
    assert len(lines) == 4  # Tempest's console test wants more than 3 lines
    assert lines[0].startswith('[boot 1] image ') and lines[-1] == '[boot 1] login:'
    drv.cleanup_host('contract-host')


@pytest.mark.parametrize('dest, kept', [('contract-host', True), ('other-host', False)])
def test_confirming_a_move_keeps_the_guest_only_when_it_stayed_on_this_host(dest, kept):
    """A same-host resize's guest is the resized one; another host's move leaves this
    host's copy to go (Nova's _cleanup_resize)."""
    drv = fake.FakeDriver(driver_contract.make_conf())
    drv.init_host('contract-host')
    instance = driver_contract.make_instance()
    drv.spawn(instance)
    drv.migrate_disk_and_power_off(instance, dest, flavor=instance)
    if dest == 'contract-host':
        drv.finish_migration(instance, True)
    drv.confirm_migration({**instance, 'host': dest})
    assert (instance['uuid'] in drv.list_instance_uuids()) is kept
    drv.cleanup_host('contract-host')
