"""A libvirtd outage without a daemon: a test:/// connection that dies, opens refused."""

import libvirt

_REAL_OPEN = libvirt.open


def _broken_pipe():
    exc = libvirt.libvirtError('Cannot write data: Broken pipe')
    exc.err = (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC,
               'Cannot write data: Broken pipe', libvirt.VIR_ERR_ERROR,
               None, None, None, -1, -1)
    return exc


class DyingConnection:
    """Forwards to a real connection until ``die()``; then every call fails like a dead
    socket, ``isAlive()`` is false, lifecycle events stop and the close callback runs, as
    libvirt does when libvirtd goes away. The real connection stays open (see ``real``)."""

    def __init__(self, real):
        self.real = real
        self.dead = False
        self._close_cb = None

    def die(self):
        self.dead = True
        if self._close_cb is not None:
            cb, opaque = self._close_cb
            cb(self, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, opaque)

    def isAlive(self):
        return 0 if self.dead else self.real.isAlive()

    def registerCloseCallback(self, cb, opaque):
        self._close_cb = (cb, opaque)

    def unregisterCloseCallback(self):
        self._close_cb = None

    def domainEventRegisterAny(self, dom, event_id, cb, opaque):
        def _while_alive(*args):
            if not self.dead:
                cb(*args)
        return self.real.domainEventRegisterAny(dom, event_id, _while_alive, opaque)

    def __getattr__(self, name):
        attr = getattr(self.real, name)

        def _call(*args, **kwargs):
            if self.dead:
                raise _broken_pipe()
            return attr(*args, **kwargs)
        return _call


class Opener:
    """Stands in for libvirt.open: the first connection can be killed, later ones fail
    while ``refuse`` is set (``refused`` counts those attempts)."""

    def __init__(self):
        self.first = None
        self.refuse = False
        self.refused = 0

    def __call__(self, uri):
        if self.refuse:
            self.refused += 1
            raise libvirt.libvirtError('Failed to connect socket: No such file or directory')
        conn = _REAL_OPEN(uri)
        if self.first is None:
            self.first = DyingConnection(conn)
            return self.first
        return conn

    def outage(self):
        """libvirtd goes away: the connection dies, new ones are refused."""
        self.refuse = True
        self.first.die()

    def close_all(self):
        """Close what the driver could not (the connection behind a dead wrapper)."""
        if self.first is not None and self.first.dead:
            self.first.real.close()
