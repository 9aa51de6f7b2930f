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

# A minimal host for libvirt's test driver; each open gets a private copy of it.
NODE_XML = """<node>
  <cpu>
    <nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>
    <active>2</active><mhz>2000</mhz><model>x86_64</model>
  </cpu>
  <memory>8388608</memory>
</node>
"""


@pytest.fixture
def node_uri(tmp_path):
    node = tmp_path / 'node.xml'
    node.write_text(NODE_XML)
    return f'test://{node}'


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
