"""Tier 1: connection URI choice, reconnect on a broken connection, HypervisorUnavailable."""

import libvirt
import pytest

from cepheid.common import exception
from cepheid.common import states
from cepheid.compute.virt.libvirt import connection
from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod
from tests.fixtures import driver_contract

_REAL_OPEN = libvirt.open


def _broken_pipe():
    exc = libvirt.libvirtError('Cannot write data: Broken pipe')
    exc.err = (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC,
               'Cannot write data: Broken pipe', libvirt.VIR_ERR_ERROR,
               None, None, None, -1, -1)
    return exc


class DyingConnection:
    """Forwards to a real connection until ``die()``; then every call fails like a dead
    socket and ``isAlive()`` is false. The real connection stays open (see ``real``)."""

    def __init__(self, real):
        self.real = real
        self.dead = False

    def die(self):
        self.dead = True

    def isAlive(self):
        return 0 if self.dead else self.real.isAlive()

    def __getattr__(self, name):
        attr = getattr(self.real, name)

        def _call(*args, **kwargs):
            if self.dead:
                raise _broken_pipe()
            return attr(*args, **kwargs)
        return _call


class Opener:
    """Stands in for libvirt.open: the first connection can be killed, later ones fail
    when ``refuse`` is set."""

    def __init__(self):
        self.first = None
        self.refuse = False

    def __call__(self, uri):
        if self.refuse:
            raise libvirt.libvirtError('Failed to connect socket: No such file or directory')
        conn = _REAL_OPEN(uri)
        if self.first is None:
            self.first = DyingConnection(conn)
            return self.first
        return conn

    def close_all(self):
        """Close what the driver could not (the connection behind a dead wrapper)."""
        if self.first is not None and self.first.dead:
            self.first.real.close()


@pytest.fixture
def opener(monkeypatch):
    opener = Opener()
    monkeypatch.setattr(connection.libvirt, 'open', opener)
    yield opener
    opener.close_all()


@pytest.fixture
def shared_drv(tmp_path, opener):
    """A driver on test:///default: connections in one process share its state while one
    stays open, so a reopened connection still sees the guest."""
    conf = driver_contract.make_conf(connection_uri='test:///default',
                                     instances_path=str(tmp_path / 'instances'))
    drv = libvirt_driver_mod.LibvirtDriver(conf)
    drv.init_host('h1')
    yield drv
    drv.cleanup_host('h1')


@pytest.mark.parametrize('virt_type, uri', [
    ('qemu', 'qemu:///system'), ('kvm', 'qemu:///system'), ('test', 'test:///default'),
])
def test_uri_is_derived_from_virt_type(virt_type, uri):
    conf = driver_contract.make_conf(virt_type=virt_type)
    assert connection.uri_for(conf) == uri


def test_connection_uri_wins_over_virt_type(node_uri):
    conf = driver_contract.make_conf(virt_type='kvm', connection_uri=node_uri)
    assert connection.uri_for(conf) == node_uri


def test_domain_type_follows_the_connection_and_never_picks_kvm(libvirt_driver):
    assert libvirt_driver.domain_type == 'test'


def test_a_broken_connection_is_reopened_and_the_call_retried(shared_drv, opener):
    instance = driver_contract.make_instance()
    recorder = driver_contract.EventRecorder()
    shared_drv.register_event_listener(recorder)
    shared_drv.spawn(instance)
    try:
        opener.first.die()
        assert shared_drv.get_info(instance).power_state == states.RUNNING
        assert shared_drv.host.reconnects == 1
        # Lifecycle callbacks were registered again on the new connection.
        shared_drv.pause(instance)
        assert recorder.wait_for(instance['uuid'], states.PAUSED_POWER)
    finally:
        shared_drv.destroy(instance)


def test_a_connection_that_cannot_be_reopened_is_hypervisor_unavailable(shared_drv, opener):
    opener.first.die()
    opener.refuse = True
    with pytest.raises(exception.HypervisorUnavailable) as info:
        shared_drv.list_instance_uuids()
    assert 'h1' in str(info.value)


def test_an_unreachable_hypervisor_fails_init_host(tmp_path):
    conf = driver_contract.make_conf(connection_uri=f'test://{tmp_path}/missing/node.xml')
    drv = libvirt_driver_mod.LibvirtDriver(conf)
    with pytest.raises(exception.HypervisorUnavailable):
        drv.init_host('h1')
    drv.cleanup_host('h1')


def test_errors_on_a_live_connection_are_not_retried(libvirt_driver):
    instance = driver_contract.make_instance()
    libvirt_driver.spawn(instance)
    try:
        with pytest.raises(exception.VirtDriverError):
            libvirt_driver.unpause(instance)
        assert libvirt_driver.host.reconnects == 0
    finally:
        libvirt_driver.destroy(instance)
