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
