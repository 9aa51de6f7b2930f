"""Rescue, unrescue, crash dump and the console log of a libvirt guest.

Rescue follows Nova's libvirt steps: save the current domain XML as ``unrescue.xml`` in the
instance directory, stop the guest, and boot the rescue image (its kernel/initrd from the
local image catalog) from a fresh ``disk.rescue`` with the original root disk attached as
the second disk (vdb). Unrescue stops the rescue guest, redefines the saved XML, starts it
and removes the rescue files.
"""

import os

import libvirt
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.compute.virt.libvirt import config
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import images
from cepheid.compute.virt.libvirt import instance_files

LOG = logging.getLogger(__name__)

UNRESCUE_XML = 'unrescue.xml'
RESCUE_DISK = 'disk.rescue'
# As Nova's libvirt driver: at most the last 100 KiB of the console log.
MAX_CONSOLE_BYTES = 100 * 1024
_GIB = 1024 ** 3


class Rescuer:
    """The driver's rescue-related calls; ``driver`` is the LibvirtDriver."""

    def __init__(self, driver):
        self.driver = driver

    def _paths(self, instance):
        return instance_files.paths_for(self.driver.conf.libvirt.instances_path, instance)

    def _saved_xml(self, instance):
        return os.path.join(self._paths(instance).directory, UNRESCUE_XML)

    def _start(self, uuid, error_cls):
        guest.call(self.driver.host, uuid, 'create')
        if not self.driver.wait_for_running(uuid):
            raise error_cls(reason='guest did not reach RUNNING')

    def rescue(self, instance, rescue_image_ref):
        uuid, host = instance['uuid'], self.driver._ready()
        saved = self._saved_xml(instance)
        if os.path.exists(saved):
            raise exception.VirtDriverError(reason='the guest is already rescued')
        with guest.translated(uuid, exception.VirtDriverError):
            xml = guest.call(host, uuid, 'XMLDesc', 0)
            with open(saved, 'w') as handle:
                handle.write(xml)
            guest.destroy(host, uuid)
            guest.define(host, self._rescue_xml(instance, rescue_image_ref))
            self._start(uuid, exception.VirtDriverError)
        LOG.info('Instance %s runs the rescue image %s', uuid,
                 rescue_image_ref or instance.get('image_ref'))

    def _rescue_xml(self, instance, rescue_image_ref):
        paths = self._paths(instance)
        image = {**instance, 'image_ref': rescue_image_ref or instance.get('image_ref')}
        image.pop('kernel', None)
        boot = images.boot_files(self.driver.conf, image)
        rescue_disk = os.path.join(paths.directory, RESCUE_DISK)
        with open(rescue_disk, 'wb') as disk:
            disk.truncate(max(int(instance.get('root_gb') or 0), 1) * _GIB)
        disks = [rescue_disk]
        if os.path.exists(paths.disk):
            disks.append(paths.disk)
        return config.build_domain_xml({**instance, **boot}, paths,
                                       domain_type=self.driver.domain_type, disks=disks)

    def unrescue(self, instance):
        uuid, host = instance['uuid'], self.driver._ready()
        saved = self._saved_xml(instance)
        if not os.path.exists(saved):
            raise exception.VirtDriverError(reason='the guest is not rescued')
        with open(saved) as handle:
            xml = handle.read()
        with guest.translated(uuid, exception.VirtDriverError):
            guest.destroy(host, uuid)
            guest.define(host, xml)
            self._start(uuid, exception.VirtDriverError)
        for name in (UNRESCUE_XML, RESCUE_DISK):
            path = os.path.join(self._paths(instance).directory, name)
            if os.path.exists(path):
                os.unlink(path)

    def trigger_crash_dump(self, instance):
        uuid = instance['uuid']
        try:
            guest.call(self.driver._ready(), uuid, 'injectNMI', 0)
        except libvirt.libvirtError as exc:
            code = exc.get_error_code()
            if code == libvirt.VIR_ERR_NO_SUPPORT:
                raise exception.TriggerCrashDumpNotSupported() from exc
            if code == libvirt.VIR_ERR_OPERATION_INVALID:
                raise exception.InstanceNotRunning(instance_uuid=uuid) from exc
            with guest.translated(uuid, exception.VirtDriverError):
                raise

    def console_output(self, instance):
        """The tail of the serial console log the domain XML writes ('' before any)."""
        path = self._paths(instance).console_log
        try:
            with open(path, 'rb') as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - MAX_CONSOLE_BYTES))
                data = handle.read()
        except FileNotFoundError:
            LOG.info('No console log yet for %s', instance['uuid'])
            return ''
        return data.decode('utf-8', errors='replace')
