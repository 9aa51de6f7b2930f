"""Tier 1 fixtures: the libvirt driver on a private ``test:///<tmp>/node.xml`` per test."""

import pytest

from tests.fixtures import driver_contract

try:
    import libvirt
except ImportError:
    # None of this directory's modules import without libvirt-python: leave them out and
    # say so in the report header (the functional/integration tox envs install it).
    libvirt = None
    collect_ignore_glob = ['test_*.py']


def pytest_report_header(config):
    if libvirt is None:
        return 'libvirt-python is not installed: tests/functional/libvirt not collected'
    return None


@pytest.fixture
def node_uri(tmp_path):
    return driver_contract.private_test_uri(tmp_path)


@pytest.fixture
def libvirt_conf(tmp_path, node_uri):
    return driver_contract.make_conf(
        connection_uri=node_uri,
        instances_path=str(tmp_path / 'instances'),
        images_path=str(driver_contract.make_image_catalog(tmp_path / 'images')),
        wait_soft_reboot_seconds=1,
        wait_running_seconds=10,
    )


@pytest.fixture
def libvirt_driver(libvirt_conf):
    from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod

    drv = libvirt_driver_mod.LibvirtDriver(libvirt_conf)
    drv.init_host('contract-host')
    yield drv
    drv.cleanup_host('contract-host')


@pytest.fixture
def opener(monkeypatch):
    """libvirt.open replaced by an Opener (tests/functional/libvirt/outage.py)."""
    from tests.functional.libvirt import outage

    opener = outage.Opener()
    monkeypatch.setattr(libvirt, 'open', opener)
    yield opener
    opener.close_all()


@pytest.fixture
def shared_drv(tmp_path, opener):
    """A driver on test:///default: connections in one process share its state while one
    stays open, so a reopened connection still sees the guest. Outages are waited for
    1 s at most, reconnect attempts come every 50 ms."""
    from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod

    conf = driver_contract.make_conf(connection_uri='test:///default',
                                     instances_path=str(tmp_path / 'instances'),
                                     reconnect_timeout=1.0, reconnect_max_interval=0.05)
    drv = libvirt_driver_mod.LibvirtDriver(conf)
    drv.init_host('h1')
    yield drv
    drv.cleanup_host('h1')
