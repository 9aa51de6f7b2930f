"""Direct-kernel boot files for an instance, from the compute's local image catalog.

``[libvirt] images_path/<imageRef>/`` holds ``kernel``, optionally ``initrd`` and a
``cmdline`` file. There is no image service: an imageRef that names no catalog entry
boots the empty disk, as before.
"""

import os
import re

_SAFE_REF = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')


def boot_files(conf, instance):
    """{'kernel', 'initrd', 'cmdline'} for ``instance``'s imageRef, or {} when none apply."""
    root, ref = conf.libvirt.images_path, instance.get('image_ref')
    if not root or not ref or not _SAFE_REF.match(ref) or instance.get('kernel'):
        return {}
    entry = os.path.join(root, ref)
    kernel = os.path.join(entry, 'kernel')
    if not os.path.isfile(kernel):
        return {}
    files = {'kernel': kernel}
    initrd = os.path.join(entry, 'initrd')
    if os.path.isfile(initrd):
        files['initrd'] = initrd
    cmdline = os.path.join(entry, 'cmdline')
    if os.path.isfile(cmdline):
        with open(cmdline) as handle:
            files['cmdline'] = handle.read().strip()
    return files
