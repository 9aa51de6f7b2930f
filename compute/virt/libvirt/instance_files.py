"""The per-instance directory under [libvirt] instances_path: disk, console log, XML copy,
and the copies a resize or cold migration makes of it."""

import dataclasses
import errno
import os
import shutil

from oslo_log import log as logging

from cepheid.common import exception

LOG = logging.getLogger(__name__)

_GIB = 1024 ** 3
_CHUNK = 1024 * 1024
RESIZE_SUFFIX = '_resize'


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


def resize_directory(paths):
    """Where a move keeps the source's files until it is confirmed or reverted (Nova's
    ``<uuid>_resize``)."""
    return paths.directory + RESIZE_SUFFIX


def destination_path(conf, own_host, dest):
    """The instances_path of ``dest`` as this host reaches it; ResizeError when the move
    cannot copy there (nothing has been touched yet)."""
    own = conf.libvirt.instances_path
    if dest == own_host:
        return own
    path = conf.libvirt.migration_instances_paths.get(dest)
    if not path:
        raise exception.ResizeError(
            reason=f'no path to the instances of {dest} ([libvirt] '
                   'migration_instances_paths); the disk cannot be copied there')
    if os.path.realpath(path) == os.path.realpath(own):
        raise exception.ResizeError(
            reason=f'{dest} shares this host\'s instances_path: shared instance storage '
                   'is not supported')
    return path


def grow_disk(paths, instance):
    """Extend the root disk to ``root_gb`` when it is smaller (never shrinks it)."""
    wanted = int(instance.get('root_gb') or 0) * _GIB
    if os.path.exists(paths.disk) and os.path.getsize(paths.disk) < wanted:
        os.truncate(paths.disk, wanted)


def copy_sparse(source, target):
    """Copy the file ``source`` to ``target`` byte for byte, keeping its holes (a raw
    disk is mostly holes: a plain copy would write every zero)."""
    src = os.open(source, os.O_RDONLY)
    try:
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            size = os.fstat(src).st_size
            for start, end in _data_ranges(src, size):
                for offset in range(start, end, _CHUNK):
                    os.pwrite(dst, os.pread(src, min(_CHUNK, end - offset), offset), offset)
            os.ftruncate(dst, size)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _data_ranges(fd, size):
    """(start, end) of each region of ``fd`` that holds data (SEEK_DATA / SEEK_HOLE)."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:    # only a hole is left
                return
            raise
        end = os.lseek(fd, start, os.SEEK_HOLE)
        yield start, end
        offset = end


def remove(instances_path, paths):
    """Delete the instance directory and its ``_resize`` copy."""
    remove_directory(instances_path, paths.directory)
    remove_directory(instances_path, resize_directory(paths))


def remove_directory(instances_path, directory):
    """Delete ``directory``: only ever one directly below ``instances_path``."""
    base = os.path.realpath(instances_path)
    target = os.path.realpath(directory)
    if os.path.dirname(target) != base:
        LOG.error('Refusing to delete %s: not directly under %s', target, base)
        return
    shutil.rmtree(target, ignore_errors=True)
