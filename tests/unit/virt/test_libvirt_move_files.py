"""The libvirt driver's files for a resize or cold migration (no libvirt needed): where the
disk goes, the sparse copy, the disk growing to the new flavor, and the new flavor in the
domain XML."""

import os
import xml.etree.ElementTree as ET

import pytest

from cepheid.common import config
from cepheid.common import exception
from cepheid.compute import conf as compute_conf
from cepheid.compute.virt.libvirt import config as libvirt_config
from cepheid.compute.virt.libvirt import instance_files

GIB = 1024 ** 3
UUID = '0b8e7d6c-5a4b-4c3d-8e2f-1a0b9c8d7e6f'


def _conf(tmp_path, paths=None):
    conf = config.make_conf(compute_conf.register_opts)
    conf([])
    conf.set_override('instances_path', str(tmp_path / 'a'), group='libvirt')
    conf.set_override('migration_instances_paths', paths or {}, group='libvirt')
    return conf


def test_same_host_copies_into_its_own_instances_path(tmp_path):
    assert instance_files.destination_path(_conf(tmp_path), 'h1', 'h1') == str(tmp_path / 'a')


def test_another_host_uses_its_listed_path(tmp_path):
    conf = _conf(tmp_path, {'h2': str(tmp_path / 'b')})
    assert instance_files.destination_path(conf, 'h1', 'h2') == str(tmp_path / 'b')


def test_an_unlisted_host_is_refused(tmp_path):
    with pytest.raises(exception.ResizeError, match='no path to the instances of h3'):
        instance_files.destination_path(_conf(tmp_path, {'h2': '/x'}), 'h1', 'h3')


def test_a_host_listed_with_our_own_path_is_refused_as_shared_storage(tmp_path):
    conf = _conf(tmp_path, {'h2': str(tmp_path / 'a')})
    with pytest.raises(exception.ResizeError, match='shared instance storage'):
        instance_files.destination_path(conf, 'h1', 'h2')


def test_sparse_copy_keeps_the_bytes_and_the_holes(tmp_path):
    source, target = tmp_path / 'disk', tmp_path / 'copy'
    with open(source, 'wb') as disk:
        disk.truncate(GIB)
        disk.seek(4096)
        disk.write(b'boot sector')
        disk.seek(GIB // 2)
        disk.write(b'x' * 3 * 1024 * 1024)      # more than one chunk
        disk.seek(GIB - 5)
        disk.write(b'tail!')
    instance_files.copy_sparse(str(source), str(target))
    assert os.path.getsize(target) == GIB
    with open(source, 'rb') as a, open(target, 'rb') as b:
        for offset, length in ((0, 8192), (GIB // 2 - 10, 3 * 1024 * 1024 + 20),
                               (GIB - 4096, 4096)):
            a.seek(offset)
            b.seek(offset)
            assert a.read(length) == b.read(length)
    assert os.stat(target).st_blocks * 512 < 64 * 1024 * 1024


def test_sparse_copy_of_an_empty_disk_is_all_hole(tmp_path):
    source = tmp_path / 'disk'
    with open(source, 'wb') as disk:
        disk.truncate(2 * GIB)
    instance_files.copy_sparse(str(source), str(tmp_path / 'copy'))
    assert os.path.getsize(tmp_path / 'copy') == 2 * GIB
    assert os.stat(tmp_path / 'copy').st_blocks == 0


def test_the_disk_grows_to_the_new_root_gb_and_never_shrinks(tmp_path):
    paths = instance_files.paths_for(str(tmp_path), {'uuid': UUID})
    instance_files.ensure(paths, {'root_gb': 1})
    instance_files.grow_disk(paths, {'root_gb': 3})
    assert os.path.getsize(paths.disk) == 3 * GIB
    instance_files.grow_disk(paths, {'root_gb': 1})
    assert os.path.getsize(paths.disk) == 3 * GIB


def test_remove_takes_the_resize_copy_too(tmp_path):
    paths = instance_files.paths_for(str(tmp_path), {'uuid': UUID})
    os.makedirs(paths.directory)
    os.makedirs(instance_files.resize_directory(paths))
    instance_files.remove(str(tmp_path), paths)
    assert os.listdir(tmp_path) == []


def test_the_new_flavor_sizes_the_domain():
    instance = {'uuid': UUID, 'name': 'vm', 'vcpus': 1, 'memory_mb': 128, 'root_gb': 1}
    paths = instance_files.paths_for('/srv/instances', instance)
    resized = {**instance, 'vcpus': 2, 'memory_mb': 256, 'root_gb': 2}
    root = ET.fromstring(libvirt_config.build_domain_xml(resized, paths, domain_type='qemu'))
    assert (root.findtext('vcpu'), root.findtext('memory')) == ('2', '256')
    assert root.find('devices/disk/source').get('file') == f'/srv/instances/{UUID}/disk'


def test_a_live_migration_moves_the_instance_files_to_the_destinations_directory():
    instance = {'uuid': UUID, 'name': 'vm', 'vcpus': 1, 'memory_mb': 128, 'root_gb': 1,
                'kernel': '/a/images/img/kernel', 'initrd': '/a/images/img/initrd'}
    paths = instance_files.paths_for('/a/instances', instance)
    xml = libvirt_config.build_domain_xml(instance, paths, domain_type='qemu')
    moved = ET.fromstring(libvirt_config.destination_xml(xml, paths.directory, {
        'directory': f'/b/instances/{UUID}', 'kernel': '/b/images/img/kernel',
        'initrd': None}))
    assert moved.find('devices/disk/source').get('file') == f'/b/instances/{UUID}/disk'
    assert moved.find('devices/serial/source').get('path') == \
        f'/b/instances/{UUID}/console.log'
    assert moved.findtext('os/kernel') == '/b/images/img/kernel'
    assert moved.findtext('os/initrd') == '/a/images/img/initrd'    # none there: kept
    assert (moved.findtext('uuid'), moved.findtext('vcpu')) == (UUID, '1')
