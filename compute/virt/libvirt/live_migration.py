"""Live migration of a libvirt guest between two libvirtd daemons (peer to peer).

  dest    pre_live_migration: create the instance directory and an empty root disk of
          root_gb; answer with this compute's libvirt URI and its paths.
  source  live_migration: the guest's migratable XML with the destination's paths, then
          ``migrateToURI3`` (live, peer to peer, the disk copied over NBD, the definition
          persisted there and undefined here), memory and disk to the destination's
          ``[libvirt] live_migration_inbound_addr`` when set (the tests: 127.0.0.1);
          this host's files go afterwards.
          An abort is ``abortJob``; a force-complete pauses the guest (no post-copy), and
          the destination resumes it.
  dest    post_live_migration_at_destination: keep the XML copy, resume a forced guest.
          rollback_live_migration_at_destination: remove the guest and files prepared.

The source's libvirtd must reach the destination's URI as given: daemons on one machine
(``qemu:///system?socket=...``), or a remote URI set as the destination's connection_uri.
Two daemons on one machine need distinct host UUIDs (libvirtd.conf ``host_uuid``): libvirt
refuses a migration "to the same host".
"""

import os
import threading

import libvirt
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.compute.virt.libvirt import config
from cepheid.compute.virt.libvirt import connection
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import images
from cepheid.compute.virt.libvirt import instance_files

LOG = logging.getLogger(__name__)

FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
         | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)


class LiveMigrator:
    """The driver's live-migration calls; ``driver`` is the LibvirtDriver."""

    def __init__(self, driver):
        self.driver = driver
        self._forced = {}   # uuid -> threading.Event: a force-complete paused the guest

    def _paths(self, instance):
        return instance_files.paths_for(self.driver.conf.libvirt.instances_path, instance)

    # -- destination ------------------------------------------------------------------
    def pre_live_migration(self, instance, migrate_data):
        paths = self._paths(instance)
        instance_files.ensure(paths, instance)
        boot = images.boot_files(self.driver.conf, instance)
        return {**migrate_data, 'dest_uri': connection.uri_for(self.driver.conf),
                'dest_addr': self.driver.conf.libvirt.live_migration_inbound_addr,
                'directory': paths.directory, 'kernel': boot.get('kernel'),
                'initrd': boot.get('initrd')}

    def post_live_migration_at_destination(self, instance, migrate_data):
        uuid, host = instance['uuid'], self.driver._ready()
        with guest.translated(uuid, exception.VirtDriverError):
            instance_files.write_xml(self._paths(instance), guest.call(host, uuid,
                                                                       'XMLDesc', 0))
            if migrate_data.get('forced') and guest.get_state(host, uuid).state == \
                    libvirt.VIR_DOMAIN_PAUSED:
                guest.call(host, uuid, 'resume')

    def rollback_live_migration_at_destination(self, instance):
        uuid, host = instance['uuid'], self.driver._ready()
        with guest.translated(uuid, exception.VirtDriverError):
            guest.destroy(host, uuid)
            guest.undefine(host, uuid)
        paths = self._paths(instance)
        instance_files.remove(self.driver.conf.libvirt.instances_path, paths)

    # -- source -----------------------------------------------------------------------
    def live_migration(self, instance, dest, migrate_data):
        uuid, host = instance['uuid'], self.driver._ready()
        forced = self._forced.setdefault(uuid, threading.Event())
        paths = self._paths(instance)
        try:
            with guest.translated(uuid, exception.VirtDriverError):
                xml = guest.call(host, uuid, 'XMLDesc', libvirt.VIR_DOMAIN_XML_MIGRATABLE)
                params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: config.destination_xml(
                    xml, paths.directory, migrate_data)}
                addr = migrate_data.get('dest_addr')
                if addr:
                    params[libvirt.VIR_MIGRATE_PARAM_URI] = f'tcp://{addr}'
                    params[libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS] = addr
                flags = FLAGS
                if os.path.exists(paths.disk) and instance.get('root_gb'):
                    params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = ['vda']
                    flags |= libvirt.VIR_MIGRATE_NON_SHARED_DISK
                self._migrate(host, uuid, migrate_data['dest_uri'], params, flags)
        finally:
            self._forced.pop(uuid, None)
        instance_files.remove(self.driver.conf.libvirt.instances_path, paths)
        LOG.info('Instance %s live migrated to %s', uuid, dest)
        return {**migrate_data, 'forced': forced.is_set()}

    def _migrate(self, host, uuid, dest_uri, params, flags):
        try:
            guest.call(host, uuid, 'migrateToURI3', dest_uri, params, flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_OPERATION_ABORTED:
                raise exception.LiveMigrationAborted(instance_uuid=uuid) from exc
            raise

    def live_migration_abort(self, instance):
        uuid = instance['uuid']
        try:
            guest.call(self.driver._ready(), uuid, 'abortJob')
        except libvirt.libvirtError as exc:
            # No job (finished or not started yet): nothing to abort.
            LOG.info('No live migration of %s to abort: %s', uuid, exc)

    def live_migration_force_complete(self, instance):
        uuid = instance['uuid']
        self._forced.setdefault(uuid, threading.Event()).set()
        with guest.translated(uuid, exception.VirtDriverError):
            guest.call(self.driver._ready(), uuid, 'suspend')
