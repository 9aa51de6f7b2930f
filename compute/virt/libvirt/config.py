"""Generate a guest's libvirt domain XML from the instance record (and rewrite its paths
for a live migration's destination)."""

import os
import xml.etree.ElementTree as ET

NAME_PREFIX = 'instance-'


def domain_name(instance):
    """The libvirt name of an instance's domain: unique because it carries the full UUID."""
    return NAME_PREFIX + instance['uuid']


def _sub(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def _os(root, instance, domain_type):
    os_el = _sub(root, 'os')
    if domain_type == 'test':
        _sub(os_el, 'type', 'hvm')
    else:
        _sub(os_el, 'type', 'hvm', arch='x86_64')
    if instance.get('kernel'):
        _sub(os_el, 'kernel', instance['kernel'])
        if instance.get('initrd'):
            _sub(os_el, 'initrd', instance['initrd'])
        _sub(os_el, 'cmdline', instance.get('cmdline') or 'console=ttyS0')
    else:
        _sub(os_el, 'boot', dev='hd')


def _disk(devices, path, dev):
    disk = _sub(devices, 'disk', type='file', device='disk')
    _sub(disk, 'driver', name='qemu', type='raw')
    _sub(disk, 'source', file=path)
    _sub(disk, 'target', dev=dev, bus='virtio')


def _devices(root, instance, paths, domain_type, disks):
    devices = _sub(root, 'devices')
    if disks is None:
        disks = [paths.disk] if paths.disk is not None and instance.get('root_gb') else []
    for index, path in enumerate(disks):
        _disk(devices, path, 'vd' + 'abcdefghijklmnopqrstuvwxyz'[index])
    serial = _sub(devices, 'serial', type='file')
    _sub(serial, 'source', path=paths.console_log)
    _sub(serial, 'target', port=0)
    if domain_type != 'test':
        _sub(devices, 'memballoon', model='none')


def build_domain_xml(instance, paths, *, domain_type, disks=None):
    """Domain XML for ``instance`` (uuid, name, vcpus, memory_mb, root_gb; optional
    kernel/initrd/cmdline for direct-kernel boot, ignore_acpi for a guest that restarts
    instead of powering off). ``domain_type`` is ``test``, ``qemu`` or ``kvm``.
    ``disks``: the disk files in order (vda, vdb, ...); default the root disk when
    ``root_gb`` is set. No ``<graphics>``: the serial console goes to ``paths.console_log``.
    """
    root = ET.Element('domain', type=domain_type)
    _sub(root, 'name', domain_name(instance))
    _sub(root, 'uuid', instance['uuid'])
    if instance.get('name'):
        _sub(root, 'title', instance['name'])
    _sub(root, 'memory', int(instance['memory_mb']), unit='MiB')
    _sub(root, 'vcpu', int(instance['vcpus']))
    _os(root, instance, domain_type)
    features = _sub(root, 'features')
    _sub(features, 'acpi')
    if domain_type != 'test':
        _sub(features, 'apic')
    _sub(root, 'clock', offset='utc')
    _sub(root, 'on_poweroff', 'restart' if instance.get('ignore_acpi') else 'destroy')
    _sub(root, 'on_reboot', 'restart')
    _sub(root, 'on_crash', 'destroy')
    _devices(root, instance, paths, domain_type, disks)
    ET.indent(root)
    return ET.tostring(root, encoding='unicode')


def destination_xml(xml, source_dir, dest):
    """The source's migratable domain XML with the destination's paths: files under the
    source's instance directory move to ``dest['directory']``; the kernel and initrd
    become the destination's own (``dest['kernel']``, ``dest['initrd']``) when it has
    them."""
    root = ET.fromstring(xml)
    prefix = source_dir.rstrip('/') + '/'
    for element in root.iter():
        for attr in ('file', 'path'):
            value = element.get(attr)
            if value and value.startswith(prefix):
                element.set(attr, os.path.join(dest['directory'], value[len(prefix):]))
    for tag in ('kernel', 'initrd'):
        element = root.find(f'os/{tag}')
        if element is not None and dest.get(tag):
            element.text = dest[tag]
    return ET.tostring(root, encoding='unicode')
