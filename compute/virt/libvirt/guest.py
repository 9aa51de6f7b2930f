"""Calls on one guest, looked up afresh by UUID each time (handles cache ids and state)."""

import contextlib
import dataclasses

import libvirt

from cepheid.common import exception
from cepheid.compute.virt.libvirt import power


@dataclasses.dataclass(frozen=True)
class GuestState:
    """One fresh reading of a domain: libvirt state, domain id (None when off)."""

    state: int
    id: int | None
    has_managed_save: bool

    @property
    def power_state(self):
        return power.from_domain_state(self.state, self.has_managed_save)

    @property
    def running(self):
        return self.state == libvirt.VIR_DOMAIN_RUNNING

    @property
    def stopped(self):
        return self.state in power.STOPPED_STATES

    @property
    def active(self):
        return self.state not in (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_NOSTATE)


def _code(exc):
    return exc.get_error_code()


def lookup(conn, uuid):
    """The domain for ``uuid``; InstanceDriverNotFound when libvirt has none."""
    try:
        return conn.lookupByUUIDString(uuid)
    except libvirt.libvirtError as exc:
        if _code(exc) == libvirt.VIR_ERR_NO_DOMAIN:
            raise exception.InstanceDriverNotFound(instance_uuid=uuid) from exc
        raise


def _read(conn, uuid):
    dom = lookup(conn, uuid)
    state, _reason = dom.state()
    dom_id = dom.ID()
    saved = state == libvirt.VIR_DOMAIN_SHUTOFF and bool(dom.hasManagedSaveImage())
    return GuestState(state=state, id=dom_id if dom_id >= 0 else None, has_managed_save=saved)


def get_state(host, uuid):
    """A fresh GuestState; InstanceDriverNotFound for an unknown guest."""
    return host.call(lambda conn: _read(conn, uuid))


def find_state(host, uuid):
    """A fresh GuestState, or None for an unknown guest."""
    try:
        return get_state(host, uuid)
    except exception.InstanceDriverNotFound:
        return None


def call(host, uuid, method, *args):
    """``dom.<method>(*args)`` on a freshly looked-up domain."""
    return host.call(lambda conn: getattr(lookup(conn, uuid), method)(*args))


def define(host, xml):
    return host.call(lambda conn: conn.defineXML(xml))


def destroy(host, uuid):
    """Stop the guest at once; a guest that is absent or already off is fine."""
    try:
        call(host, uuid, 'destroy')
    except exception.InstanceDriverNotFound:
        pass
    except libvirt.libvirtError as exc:
        if _code(exc) != libvirt.VIR_ERR_OPERATION_INVALID:
            raise


def undefine(host, uuid):
    """Forget the definition (and any managed-save image); the disks stay."""
    try:
        call(host, uuid, 'undefineFlags', libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    except exception.InstanceDriverNotFound:
        pass


@contextlib.contextmanager
def translated(uuid, error_cls):
    """Turn libvirt errors into Cepheid's: no domain → InstanceDriverNotFound, else error_cls."""
    try:
        yield
    except libvirt.libvirtError as exc:
        if _code(exc) == libvirt.VIR_ERR_NO_DOMAIN:
            raise exception.InstanceDriverNotFound(instance_uuid=uuid) from exc
        raise error_cls(reason=str(exc)) from exc
