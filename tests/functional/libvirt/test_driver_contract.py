"""The virt driver contract suite run against the libvirt driver on libvirt's test driver."""

import xml.etree.ElementTree as ET

import pytest

from cepheid.common import exception
from tests.fixtures import driver_contract


class TestLibvirtDriverContract(driver_contract.DriverContract):
    password_refusal = exception.InstanceAgentNotEnabled

    @pytest.fixture
    def driver(self, libvirt_driver):
        return libvirt_driver

    def make_ignore_acpi(self, driver, instance):
        instance['ignore_acpi'] = True

    def set_soft_reboot_wait(self, driver, seconds):
        driver.conf.set_override('wait_soft_reboot_seconds', seconds, group='libvirt')

    def booted_image(self, driver, instance):
        return driver_contract.libvirt_booted_image(driver, instance)

    def test_rescue_attaches_the_original_disk_as_vdb(self, driver):
        instance = driver_contract.make_instance(root_gb=1)
        driver.spawn(instance)
        try:
            original = self._disks(driver, instance)
            assert [dev for dev, _ in original] == ['vda']
            driver.rescue(instance, rescue_image_ref=driver_contract.IMAGE_B)
            rescued = self._disks(driver, instance)
            assert [dev for dev, _ in rescued] == ['vda', 'vdb']
            assert rescued[0][1].endswith('/disk.rescue')
            assert rescued[1][1] == original[0][1]
            driver.unrescue(instance)
            assert self._disks(driver, instance) == original
        finally:
            driver.destroy(instance)

    def test_console_output_reads_the_serial_log_the_xml_names(self, driver, instance):
        xml = driver.host.call(
            lambda conn: conn.lookupByUUIDString(instance['uuid']).XMLDesc(0))
        log = ET.fromstring(xml).find('devices/serial/source').get('path')
        with open(log, 'w') as handle:
            handle.write('first\nsecond\n')
        assert driver.get_console_output(instance) == 'first\nsecond\n'

    @staticmethod
    def _disks(driver, instance):
        xml = driver.host.call(
            lambda conn: conn.lookupByUUIDString(instance['uuid']).XMLDesc(0))
        return [(d.find('target').get('dev'), d.find('source').get('file'))
                for d in ET.fromstring(xml).findall('devices/disk')]
