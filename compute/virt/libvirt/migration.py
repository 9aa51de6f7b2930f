"""Resize and cold migration of a libvirt guest: Nova's libvirt steps, with local copies.

  source  migrate_disk_and_power_off: refuse a smaller root disk, shut the guest down
          (ACPI, then destroy after ``[libvirt] shutdown_timeout``), rename ``<uuid>`` to
          ``<uuid>_resize`` and copy the disk (holes kept) into the destination's
          ``<uuid>``. The source's domain stays defined, powered off.
  dest    finish_migration: grow the disk to the new root_gb, (re)define the domain from
          the instance (now the new flavor's vCPUs and RAM) and start it when asked.
  source  confirm_migration: remove ``<uuid>_resize``; undefine the source's domain
          unless the instance lives on this host (a same-host resize: it is the new one).
  source  finish_revert_migration: stop the resized guest (same host), put
          ``<uuid>_resize`` back as ``<uuid>``, redefine the domain from the instance (the
          old flavor again) and start it when asked.

The destination's directory is this host's instances_path (same host) or the path given
for that host in ``[libvirt] migration_instances_paths``; there is no remote copy. Every
step tolerates being run again (start-up recovery redoes an interrupted step).
"""

import os

from oslo_log import log as logging

from cepheid.common import exception
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import instance_files

LOG = logging.getLogger(__name__)


class Migrator:
    """The driver's resize and cold-migration calls; ``driver`` is the LibvirtDriver."""

    def __init__(self, driver):
        self.driver = driver

    @property
    def _instances_path(self):
        return self.driver.conf.libvirt.instances_path

    def _paths(self, instance, instances_path=None):
        return instance_files.paths_for(instances_path or self._instances_path, instance)

    def migrate_disk_and_power_off(self, instance, dest, flavor):
        uuid = instance['uuid']
        old_gb, new_gb = int(instance.get('root_gb') or 0), int(flavor.get('root_gb') or 0)
        if new_gb < old_gb:
            raise exception.ResizeError(reason='Unable to resize disk down.')
        target = instance_files.destination_path(self.driver.conf, self.driver.host_name,
                                                 dest)
        self.driver.power_off(instance, timeout=self.driver.conf.libvirt.shutdown_timeout)
        paths = self._paths(instance)
        kept = instance_files.resize_directory(paths)
        if not os.path.isdir(kept) and os.path.isdir(paths.directory):
            os.rename(paths.directory, kept)
        dest_paths = self._paths(instance, target)
        os.makedirs(dest_paths.directory, exist_ok=True)
        kept_disk = os.path.join(kept, os.path.basename(paths.disk))
        if os.path.exists(kept_disk):
            instance_files.copy_sparse(kept_disk, dest_paths.disk)
        LOG.info('Instance %s is off; its disk went to %s for %s', uuid,
                 dest_paths.directory, dest)

    def finish_migration(self, instance, power_on):
        uuid = instance['uuid']
        instance_files.grow_disk(self._paths(instance), instance)
        with guest.translated(uuid, exception.ResizeError):
            self.driver.define_guest(instance)
            if power_on:
                self._start_if_off(uuid)

    def confirm_migration(self, instance):
        uuid = instance['uuid']
        paths = self._paths(instance)
        instance_files.remove_directory(self._instances_path,
                                        instance_files.resize_directory(paths))
        if instance.get('host') != self.driver.host_name:
            with guest.translated(uuid, exception.VirtDriverError):
                guest.destroy(self.driver._ready(), uuid)
                guest.undefine(self.driver.host, uuid)

    def finish_revert_migration(self, instance, power_on):
        uuid = instance['uuid']
        paths = self._paths(instance)
        kept = instance_files.resize_directory(paths)
        with guest.translated(uuid, exception.ResizeError):
            if os.path.isdir(kept):
                guest.destroy(self.driver._ready(), uuid)
                instance_files.remove_directory(self._instances_path, paths.directory)
                os.rename(kept, paths.directory)
            self.driver.define_guest(instance)
            if power_on:
                self._start_if_off(uuid)

    def _start_if_off(self, uuid):
        if not guest.get_state(self.driver.host, uuid).running:
            guest.call(self.driver.host, uuid, 'create')
        if not self.driver.wait_for_running(uuid):
            raise exception.ResizeError(reason='guest did not reach RUNNING')
