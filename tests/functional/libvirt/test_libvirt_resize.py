"""Tier 1: the libvirt driver's resize and cold migration on libvirt's test driver.

One host: a private ``test:///`` node. Two hosts: two drivers, each on its own private
node and instances_path, the source reaching the destination's through
``[libvirt] migration_instances_paths``."""

import os
import xml.etree.ElementTree as ET

import pytest

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod
from tests.fixtures import driver_contract

GIB = 1024 ** 3
HOST, DEST = 'contract-host', 'dest-host'
OLD = {'flavor_id': '11', 'vcpus': 1, 'memory_mb': 128, 'root_gb': 1}
NEW = {'flavor_id': '12', 'vcpus': 2, 'memory_mb': 256, 'root_gb': 2}


def _domain(drv, uuid):
    """(vcpus, memory MiB, libvirt state) of the domain as libvirt now defines it."""
    def read(conn):
        dom = conn.lookupByUUIDString(uuid)
        xml = ET.fromstring(dom.XMLDesc(0))
        return (int(xml.findtext('vcpu')), int(xml.findtext('memory')) // 1024,
                dom.state()[0])
    return drv.host.call(read)


def _power(drv, instance):
    return drv.get_info(instance).power_state


def _dir(drv, instance, suffix=''):
    return os.path.join(drv.conf.libvirt.instances_path, instance['uuid'] + suffix)


def _disk_size(drv, instance):
    return os.path.getsize(os.path.join(_dir(drv, instance), 'disk'))


@pytest.fixture
def guest(libvirt_driver):
    instance = driver_contract.make_instance(**OLD)
    libvirt_driver.spawn(instance)
    os.truncate(os.path.join(_dir(libvirt_driver, instance), 'disk'), GIB)
    with open(os.path.join(_dir(libvirt_driver, instance), 'disk'), 'r+b') as disk:
        disk.write(b'root-disk-data')
    yield instance
    libvirt_driver.destroy(instance)


def _resize_same_host(drv, instance):
    drv.migrate_disk_and_power_off(instance, HOST, flavor=NEW)
    assert _power(drv, instance) == states.SHUTDOWN
    resized = {**instance, **NEW}
    drv.finish_migration(resized, True)
    return resized


def test_same_host_resize_runs_the_new_flavor_and_keeps_the_old_files(libvirt_driver, guest):
    drv = libvirt_driver
    resized = _resize_same_host(drv, guest)
    assert _power(drv, resized) == states.RUNNING
    assert _domain(drv, guest['uuid'])[:2] == (2, 256)
    assert _disk_size(drv, guest) == 2 * GIB
    with open(os.path.join(_dir(drv, guest), 'disk'), 'rb') as disk:
        assert disk.read(14) == b'root-disk-data'
    assert os.path.getsize(os.path.join(_dir(drv, guest, '_resize'), 'disk')) == GIB


def test_confirm_of_a_same_host_resize_keeps_the_guest_and_drops_the_copy(libvirt_driver,
                                                                         guest):
    drv = libvirt_driver
    resized = _resize_same_host(drv, guest)
    drv.confirm_migration(resized)
    assert not os.path.exists(_dir(drv, guest, '_resize'))
    assert _domain(drv, guest['uuid'])[:2] == (2, 256)
    assert _power(drv, resized) == states.RUNNING


def test_revert_of_a_same_host_resize_restores_the_old_guest(libvirt_driver, guest):
    drv = libvirt_driver
    _resize_same_host(drv, guest)
    drv.finish_revert_migration(guest, True)
    assert _domain(drv, guest['uuid'])[:2] == (1, 128)
    assert _power(drv, guest) == states.RUNNING
    assert _disk_size(drv, guest) == GIB
    assert not os.path.exists(_dir(drv, guest, '_resize'))


def test_resize_of_a_stopped_guest_leaves_it_stopped(libvirt_driver, guest):
    drv = libvirt_driver
    drv.power_off(guest)
    drv.migrate_disk_and_power_off(guest, HOST, flavor=NEW)
    drv.finish_migration({**guest, **NEW}, False)
    assert _domain(drv, guest['uuid'])[:2] == (2, 256)
    assert _power(drv, guest) == states.SHUTDOWN


def test_a_smaller_root_disk_is_refused_before_the_guest_is_touched(libvirt_driver, guest):
    drv = libvirt_driver
    with pytest.raises(exception.ResizeError, match='Unable to resize disk down'):
        drv.migrate_disk_and_power_off(guest, HOST, flavor={**NEW, 'root_gb': 0})
    assert _power(drv, guest) == states.RUNNING
    assert not os.path.exists(_dir(drv, guest, '_resize'))


def test_steps_run_twice_end_as_once(libvirt_driver, guest):
    """Start-up recovery redoes an interrupted step: each tolerates a second run."""
    drv = libvirt_driver
    resized = {**guest, **NEW}
    for _ in range(2):
        drv.migrate_disk_and_power_off(guest, HOST, flavor=NEW)
    for _ in range(2):
        drv.finish_migration(resized, True)
    assert _domain(drv, guest['uuid'])[:2] == (2, 256)
    for _ in range(2):
        drv.finish_revert_migration(guest, True)
    assert _domain(drv, guest['uuid'])[:2] == (1, 128)
    assert _power(drv, guest) == states.RUNNING


def test_destroy_during_a_resize_removes_both_directories(libvirt_driver, guest):
    drv = libvirt_driver
    _resize_same_host(drv, guest)
    drv.destroy(guest)
    assert not os.path.exists(_dir(drv, guest))
    assert not os.path.exists(_dir(drv, guest, '_resize'))


# -- two hosts -----------------------------------------------------------------------
@pytest.fixture
def dest_driver(tmp_path):
    base = tmp_path / 'dest'
    base.mkdir()
    conf = driver_contract.make_conf(
        connection_uri=driver_contract.private_test_uri(base),
        instances_path=str(base / 'instances'), wait_running_seconds=10)
    conf.set_override('host', DEST)
    drv = libvirt_driver_mod.LibvirtDriver(conf)
    drv.init_host(DEST)
    yield drv
    drv.cleanup_host(DEST)


@pytest.fixture
def source_driver(libvirt_driver, dest_driver):
    libvirt_driver.conf.set_override(
        'migration_instances_paths', {DEST: dest_driver.conf.libvirt.instances_path},
        group='libvirt')
    return libvirt_driver


def _migrate(source, dest, instance):
    source.migrate_disk_and_power_off(instance, DEST, flavor=instance)
    moved = {**instance, 'host': DEST}
    dest.finish_migration(moved, True)
    return moved


def test_cold_migration_moves_the_disk_and_runs_the_guest_on_the_destination(
        source_driver, dest_driver, guest):
    moved = _migrate(source_driver, dest_driver, guest)
    assert _power(dest_driver, moved) == states.RUNNING
    assert _domain(dest_driver, guest['uuid'])[:2] == (1, 128)
    with open(os.path.join(_dir(dest_driver, guest), 'disk'), 'rb') as disk:
        assert disk.read(14) == b'root-disk-data'
    # The copy keeps the disk sparse.
    assert os.stat(os.path.join(_dir(dest_driver, guest), 'disk')).st_blocks * 512 < GIB // 8
    assert _power(source_driver, guest) == states.SHUTDOWN
    assert not os.path.exists(_dir(source_driver, guest))

    source_driver.confirm_migration(moved)
    assert not os.path.exists(_dir(source_driver, guest, '_resize'))
    assert guest['uuid'] not in source_driver.list_instance_uuids()
    assert _power(dest_driver, moved) == states.RUNNING


def test_revert_of_a_cold_migration_runs_the_guest_on_the_source_again(
        source_driver, dest_driver, guest):
    moved = _migrate(source_driver, dest_driver, guest)
    dest_driver.destroy(moved)       # the manager's revert_resize on the destination
    source_driver.finish_revert_migration(guest, True)
    assert _power(source_driver, guest) == states.RUNNING
    assert guest['uuid'] not in dest_driver.list_instance_uuids()
    assert not os.path.exists(_dir(dest_driver, guest))
    with open(os.path.join(_dir(source_driver, guest), 'disk'), 'rb') as disk:
        assert disk.read(14) == b'root-disk-data'


def test_a_destination_without_a_path_is_refused_while_the_guest_runs(libvirt_driver, guest):
    with pytest.raises(exception.ResizeError, match='migration_instances_paths'):
        libvirt_driver.migrate_disk_and_power_off(guest, DEST, flavor=guest)
    assert _power(libvirt_driver, guest) == states.RUNNING
    assert os.path.exists(_dir(libvirt_driver, guest))


def test_a_destination_sharing_the_instances_path_is_refused(libvirt_driver, guest):
    libvirt_driver.conf.set_override(
        'migration_instances_paths', {DEST: libvirt_driver.conf.libvirt.instances_path},
        group='libvirt')
    with pytest.raises(exception.ResizeError, match='shared instance storage'):
        libvirt_driver.migrate_disk_and_power_off(guest, DEST, flavor=guest)
    assert _power(libvirt_driver, guest) == states.RUNNING


# -- live migration: the destination's side (the test driver cannot migrate) -------------
def test_pre_live_migration_prepares_the_directory_and_answers_how_to_reach_it(
        dest_driver):
    instance = driver_contract.make_instance(**OLD)
    dest_driver.conf.set_override('live_migration_inbound_addr', '127.0.0.1',
                                  group='libvirt')
    data = dest_driver.pre_live_migration(instance, {'block_migration': 'auto'})
    assert data['dest_uri'] == dest_driver.conf.libvirt.connection_uri
    assert data['dest_addr'] == '127.0.0.1'
    assert data['directory'] == _dir(dest_driver, instance)
    assert _disk_size(dest_driver, instance) == GIB

    dest_driver.rollback_live_migration_at_destination(instance)
    assert not os.path.exists(_dir(dest_driver, instance))
    dest_driver.rollback_live_migration_at_destination(instance)     # idempotent


def test_an_abort_before_the_copy_starts_is_kept_for_it(libvirt_driver, guest):
    libvirt_driver.live_migrator.abort_wait = 0.2      # no libvirt job to abort meanwhile
    libvirt_driver.live_migration_abort(guest)
    assert _power(libvirt_driver, guest) == states.RUNNING
    with pytest.raises(exception.LiveMigrationAborted):
        libvirt_driver.live_migration(guest, DEST, {'dest_uri': 'test:///default'})
    assert _power(libvirt_driver, guest) == states.RUNNING
    assert os.path.exists(_dir(libvirt_driver, guest))
