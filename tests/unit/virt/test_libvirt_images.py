"""The libvirt driver's local image catalog for direct-kernel boot."""

from cepheid.common import config
from cepheid.compute import conf as compute_conf
from cepheid.compute.virt.libvirt import images


def _conf(path):
    conf = config.make_conf(compute_conf.register_opts)
    conf([])
    conf.set_override('images_path', str(path), group='libvirt')
    return conf


def test_catalog_entry_gives_kernel_initrd_and_cmdline(tmp_path):
    entry = tmp_path / 'acpi-guest'
    entry.mkdir()
    (entry / 'kernel').write_bytes(b'k')
    (entry / 'initrd').write_bytes(b'i')
    (entry / 'cmdline').write_text('console=ttyS0 quiet\n')
    files = images.boot_files(_conf(tmp_path), {'image_ref': 'acpi-guest'})
    assert files == {'kernel': str(entry / 'kernel'), 'initrd': str(entry / 'initrd'),
                     'cmdline': 'console=ttyS0 quiet'}


def test_unknown_or_unsafe_refs_and_disabled_catalog_give_nothing(tmp_path):
    (tmp_path / 'x').mkdir()
    conf = _conf(tmp_path)
    assert images.boot_files(conf, {'image_ref': 'missing'}) == {}
    assert images.boot_files(conf, {'image_ref': '../x'}) == {}
    assert images.boot_files(conf, {'image_ref': None}) == {}
    assert images.boot_files(_conf(''), {'image_ref': 'x'}) == {}
