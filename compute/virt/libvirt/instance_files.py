"""The per-instance directory under [libvirt] instances_path: disk, console log, XML copy."""

import dataclasses
import os
import shutil

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

_GIB = 1024 ** 3


@dataclasses.dataclass(frozen=True)
class InstancePaths:
    directory: str
    disk: str
    console_log: str
    xml: str


def disk_gb(instances_path):
    """Size in GiB of the file system holding ``instances_path`` (or its nearest existing
    parent: the directory may not exist before the first guest)."""
    path = os.path.abspath(instances_path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    stat = os.statvfs(path)
    return stat.f_blocks * stat.f_frsize // _GIB


def paths_for(instances_path, instance):
    directory = os.path.join(instances_path, instance['uuid'])
    return InstancePaths(
        directory=directory,
        disk=os.path.join(directory, 'disk'),
        console_log=os.path.join(directory, 'console.log'),
        xml=os.path.join(directory, 'libvirt.xml'),
    )


def ensure(paths, instance):
    """Create the directory and a sparse raw root disk of ``root_gb`` (kept if present)."""
    os.makedirs(paths.directory, exist_ok=True)
    root_gb = int(instance.get('root_gb') or 0)
    if root_gb and not os.path.exists(paths.disk):
        with open(paths.disk, 'wb') as disk:
            disk.truncate(root_gb * _GIB)


def write_xml(paths, xml):
    """Keep a copy of the last domain XML next to the disk, as Nova does."""
    with open(paths.xml, 'w') as handle:
        handle.write(xml)


def remove(instances_path, paths):
    """Delete the instance directory (only ever one below ``instances_path``)."""
    base = os.path.realpath(instances_path)
    target = os.path.realpath(paths.directory)
    if os.path.dirname(target) != base:
        LOG.error('Refusing to delete %s: not directly under %s', target, base)
        return
    shutil.rmtree(target, ignore_errors=True)
