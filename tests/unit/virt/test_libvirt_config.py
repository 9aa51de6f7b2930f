"""Domain XML generation for the libvirt driver (no libvirt needed)."""

import xml.etree.ElementTree as ET

from cepheid.compute.virt.libvirt import config
from cepheid.compute.virt.libvirt import instance_files

UUID = '6f1c2b8e-3d4a-4e5f-9a0b-1c2d3e4f5a6b'


def _instance(**extra):
    instance = {'uuid': UUID, 'name': 'web-1', 'vcpus': 2, 'memory_mb': 256,
                'root_gb': 1, 'image_ref': 'img', 'host': 'h1'}
    instance.update(extra)
    return instance


def _xml(instance, domain_type='qemu', tmp='/srv/instances'):
    paths = instance_files.paths_for(tmp, instance)
    return ET.fromstring(config.build_domain_xml(instance, paths, domain_type=domain_type))


def test_identity_and_size_come_from_the_instance():
    root = _xml(_instance())
    assert root.get('type') == 'qemu'
    assert root.findtext('name') == 'instance-' + UUID
    assert root.findtext('uuid') == UUID
    assert root.findtext('title') == 'web-1'
    assert root.findtext('vcpu') == '2'
    assert root.find('memory').get('unit') == 'MiB'
    assert root.findtext('memory') == '256'


def test_test_domain_type_is_used_for_libvirts_test_driver():
    assert _xml(_instance(), domain_type='test').get('type') == 'test'


def test_disk_and_console_live_in_the_instance_directory():
    root = _xml(_instance())
    disk = root.find('devices/disk/source').get('file')
    console = root.find("devices/serial[@type='file']/source").get('path')
    assert disk == f'/srv/instances/{UUID}/disk'
    assert console == f'/srv/instances/{UUID}/console.log'


def test_no_disk_without_root_gb():
    assert _xml(_instance(root_gb=0)).find('devices/disk') is None


def test_no_graphics_device():
    assert _xml(_instance()).find('devices/graphics') is None


def test_direct_kernel_boot_from_instance_keys():
    root = _xml(_instance(kernel='/k/vmlinuz', initrd='/k/initrd.gz',
                          cmdline='console=ttyS0 quiet'))
    assert root.findtext('os/kernel') == '/k/vmlinuz'
    assert root.findtext('os/initrd') == '/k/initrd.gz'
    assert root.findtext('os/cmdline') == 'console=ttyS0 quiet'
    assert root.find('os/boot') is None


def test_guest_boots_from_disk_without_a_kernel():
    root = _xml(_instance())
    assert root.find('os/kernel') is None
    assert root.find('os/boot').get('dev') == 'hd'


def test_acpi_is_on_and_poweroff_destroys_by_default():
    root = _xml(_instance())
    assert root.find('features/acpi') is not None
    assert root.findtext('on_poweroff') == 'destroy'


def test_ignore_acpi_makes_poweroff_restart():
    assert _xml(_instance(ignore_acpi=True)).findtext('on_poweroff') == 'restart'


def test_instance_files_create_a_sparse_disk_and_remove_only_below_the_base(tmp_path):
    instance = _instance(root_gb=1)
    paths = instance_files.paths_for(str(tmp_path), instance)
    instance_files.ensure(paths, instance)
    assert (tmp_path / UUID / 'disk').stat().st_size == 1024 ** 3
    outside = instance_files.paths_for(str(tmp_path / UUID), {'uuid': '..'})
    instance_files.remove(str(tmp_path / UUID), outside)
    assert (tmp_path / UUID).is_dir()
    instance_files.remove(str(tmp_path), paths)
    assert not (tmp_path / UUID).exists()
