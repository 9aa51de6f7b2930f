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

import dataclasses
import os
import threading
import time

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


@dataclasses.dataclass
class Control:
    """An abort or a force-complete of the live migration of one guest from here; one
    that arrives just before the copy starts is kept for it (as the fake driver's)."""

    aborted: bool = False
    forced: bool = False
    done: threading.Event = dataclasses.field(default_factory=threading.Event)


class LiveMigrator:
    """The driver's live-migration calls; ``driver`` is the LibvirtDriver.
    ``abort_wait`` bounds how long an abort retries while the copy's libvirt job has not
    started yet."""

    abort_wait = 10.0

    def __init__(self, driver):
        self.driver = driver
        self._lock = threading.Lock()
        self._controls = {}     # uuid -> Control of the live migration from here

    def _paths(self, instance):
        return instance_files.paths_for(self.driver.conf.libvirt.instances_path, instance)

    def _control(self, uuid):
        with self._lock:
            return self._controls.setdefault(uuid, Control())

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
        control = self._control(uuid)
        paths = self._paths(instance)
        try:
            if control.aborted:
                raise exception.LiveMigrationAborted(instance_uuid=uuid)
            with guest.translated(uuid, exception.VirtDriverError):
                params, flags = self._params(host, instance, paths, migrate_data)
                self._migrate(host, uuid, migrate_data['dest_uri'], params, flags, control)
        finally:
            control.done.set()
            with self._lock:
                self._controls.pop(uuid, None)
        instance_files.remove(self.driver.conf.libvirt.instances_path, paths)
        LOG.info('Instance %s live migrated to %s', uuid, dest)
        return {**migrate_data, 'forced': control.forced}

    def _params(self, host, instance, paths, migrate_data):
        """migrateToURI3's parameters and flags for this guest."""
        xml = guest.call(host, instance['uuid'], 'XMLDesc', libvirt.VIR_DOMAIN_XML_MIGRATABLE)
        params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: config.destination_xml(
            xml, paths.directory, migrate_data)}
        addr = migrate_data.get('dest_addr')
        if addr:
            params[libvirt.VIR_MIGRATE_PARAM_URI] = f'tcp://{addr}'
            params[libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS] = addr
        bandwidth = self.driver.conf.libvirt.live_migration_bandwidth
        if bandwidth:
            params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = bandwidth
        flags = FLAGS
        if os.path.exists(paths.disk) and instance.get('root_gb'):
            params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = ['vda']
            flags |= libvirt.VIR_MIGRATE_NON_SHARED_DISK
        return params, flags

    def _migrate(self, host, uuid, dest_uri, params, flags, control):
        try:
            guest.call(host, uuid, 'migrateToURI3', dest_uri, params, flags)
        except libvirt.libvirtError as exc:
            if control.aborted or exc.get_error_code() == libvirt.VIR_ERR_OPERATION_ABORTED:
                raise exception.LiveMigrationAborted(instance_uuid=uuid) from exc
            raise

    def live_migration_abort(self, instance):
        """``abortJob``, retried while the copy's job has not started yet."""
        uuid = instance['uuid']
        control = self._control(uuid)
        control.aborted = True
        deadline = time.monotonic() + self.abort_wait
        while not control.done.is_set():
            try:
                guest.call(self.driver._ready(), uuid, 'abortJob')
                return
            except libvirt.libvirtError as exc:
                if time.monotonic() > deadline:
                    LOG.warning('Could not abort the live migration of %s: %s', uuid, exc)
                    return
            control.done.wait(0.1)

    def live_migration_force_complete(self, instance):
        """No post-copy: pause the guest so the copy converges (the destination resumes
        it)."""
        uuid = instance['uuid']
        self._control(uuid).forced = True
        with guest.translated(uuid, exception.VirtDriverError):
            guest.call(self.driver._ready(), uuid, 'suspend')
