"""The libvirt connection: URI choice, event loop thread, lifecycle callbacks, reconnects."""

import functools
import threading
import time

import libvirt
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.compute.virt.libvirt import reconnect

LOG = logging.getLogger(__name__)

_URI_BY_VIRT_TYPE = {
    'qemu': 'qemu:///system',
    'kvm': 'qemu:///system',
    'test': 'test:///default',
}

# Error codes that mean "the connection may be dead" when isAlive() agrees.
_BROKEN_CODES = frozenset({
    libvirt.VIR_ERR_SYSTEM_ERROR,
    libvirt.VIR_ERR_INTERNAL_ERROR,
    libvirt.VIR_ERR_INVALID_CONN,
    libvirt.VIR_ERR_NO_CONNECT,
    libvirt.VIR_ERR_RPC,
})

_event_loop_lock = threading.Lock()
_event_loop_thread = None


def uri_for(conf):
    """``[libvirt] connection_uri``, else the URI derived from ``[libvirt] virt_type``."""
    return conf.libvirt.connection_uri or _URI_BY_VIRT_TYPE[conf.libvirt.virt_type]


def _run_event_loop():
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except Exception:  # never let the process-wide loop die
            LOG.exception('libvirt event loop iteration failed')


def start_event_loop():
    """Register libvirt's default event implementation once per process and run it."""
    global _event_loop_thread
    with _event_loop_lock:
        if _event_loop_thread is not None:
            return
        # libvirt prints every error on stderr unless a handler is set; we log them instead.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        libvirt.virEventRegisterDefaultImpl()
        _event_loop_thread = threading.Thread(
            target=_run_event_loop, name='libvirt-event-loop', daemon=True)
        _event_loop_thread.start()


def _is_alive(conn):
    try:
        return bool(conn.isAlive())
    except libvirt.libvirtError:
        return False


class Host:
    """One libvirt connection that comes back by itself after libvirtd restarts.

    The first ``connect()`` fails at once (HypervisorUnavailable) when libvirtd cannot be
    reached. Once connected, a broken connection (the close callback, or a call failing on
    a dead socket) starts the reconnector, which retries with backoff until libvirtd
    answers again; a ``call()`` meanwhile waits for it, up to ``reconnect_timeout``
    seconds, and is then run again on the new connection. After each reconnect
    ``reconnect_cb()`` runs on the reconnector thread (lifecycle events sent during the
    outage are lost: the driver reports every guest's state again).

    ``lifecycle_cb(uuid, event, detail)`` runs on the event loop thread: keep it short.
    """

    def __init__(self, uri, host_name, lifecycle_cb=None, opener=None, *,
                 reconnect_cb=None, reconnect_timeout=60.0, backoff=None):
        self.uri = uri
        self.host_name = host_name
        self.reconnect_timeout = reconnect_timeout
        self._lifecycle_cb = lifecycle_cb
        self._reconnect_cb = reconnect_cb
        self._opener = opener or libvirt.open
        self._backoff = backoff or reconnect.Backoff()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._conn = None
        self._generation = 0         # of the current connection; the close callback's opaque
        self._callback_id = None
        self._closed_by_peer = False
        self._broken_since = None    # monotonic time the current outage was noticed
        self._reconnector = None
        self.reconnects = 0
        self.last_outage_seconds = None

    # -- opening and closing ---------------------------------------------------
    def connect(self):
        """The live connection. The first open fails at once when libvirtd is away;
        later, a broken connection is waited for (HypervisorUnavailable after
        ``reconnect_timeout``)."""
        start_event_loop()
        with self._lock:
            if self._usable():
                return self._conn
            if self._reconnector is None:
                self._open()
                self._reconnector = reconnect.Reconnector(
                    self._attempt_reconnect, self._backoff, f'libvirt-reconnect-{self.host_name}')
                return self._conn
            current = self._conn
        self._broken(current)
        return self._await_connection(time.monotonic() + self.reconnect_timeout)

    def _usable(self):
        return self._conn is not None and not self._closed_by_peer and _is_alive(self._conn)

    def _open(self):
        """Open, check that the daemon answers, register callbacks (under the lock)."""
        self._forget()
        try:
            conn = self._opener(self.uri)
        except libvirt.libvirtError as exc:
            raise exception.HypervisorUnavailable(host=self.host_name) from exc
        try:
            conn.getLibVersion()     # a daemon still stopping may accept, then drop us
            self._generation += 1
            self._register_callbacks(conn)
        except libvirt.libvirtError as exc:
            _close_quietly(conn)
            raise exception.HypervisorUnavailable(host=self.host_name) from exc
        self._conn = conn
        self._closed_by_peer = False
        LOG.info('Connected to libvirt at %s', self.uri)

    def _register_callbacks(self, conn):
        try:
            conn.registerCloseCallback(self._on_close, self._generation)
        except libvirt.libvirtError as exc:
            LOG.debug('No close callback on %s: %s', self.uri, exc)
        if self._lifecycle_cb is not None:
            self._callback_id = conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None)

    def _forget(self):
        """Drop the current connection, deregistering what we registered on it."""
        conn, self._conn = self._conn, None
        callback_id, self._callback_id = self._callback_id, None
        if conn is None:
            return
        steps = [conn.unregisterCloseCallback, conn.close]
        if callback_id is not None:
            steps.insert(0, functools.partial(conn.domainEventDeregisterAny, callback_id))
        for step in steps:
            try:
                step()
            except Exception as exc:  # an already-dead handle: nothing left to undo
                LOG.debug('Ignoring %r while dropping a libvirt connection', exc)

    def close(self):
        with self._lock:
            if self._reconnector is not None:
                self._reconnector.stop()
                self._reconnector = None
            self._forget()
            self._changed.notify_all()

    # -- reconnecting ------------------------------------------------------------
    def _broken(self, conn):
        """Note that ``conn`` broke; start the reconnector (unless it was replaced since)."""
        with self._lock:
            if conn is not self._conn:
                return          # an older connection: already replaced
            if self._broken_since is None:
                self._broken_since = time.monotonic()
            self._closed_by_peer = True
            if self._reconnector is not None:
                self._reconnector.request()

    def _await_connection(self, deadline):
        """Wait for the reconnector; HypervisorUnavailable once ``deadline`` passes."""
        with self._lock:
            while not self._usable():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._reconnector is None:
                    raise exception.HypervisorUnavailable(host=self.host_name)
                self._changed.wait(min(remaining, 1.0))
            return self._conn

    def _attempt_reconnect(self):
        """One try of the reconnector thread: True once connected (or closed meanwhile)."""
        with self._lock:
            if self._reconnector is None or self._usable():
                return True
            try:
                self._open()
            except exception.HypervisorUnavailable as exc:
                LOG.warning('libvirt at %s still unavailable (attempt %d): %s', self.uri,
                            self._reconnector.attempts, exc.__cause__ or exc)
                return False
            self.reconnects += 1
            attempts = self._reconnector.attempts
            since, self._broken_since = self._broken_since, None
            self.last_outage_seconds = time.monotonic() - since if since else None
            self._changed.notify_all()
        LOG.info('Reconnected to libvirt at %s after %.2f s (%d attempts)', self.uri,
                 self.last_outage_seconds or 0.0, attempts)
        # Not after close(): the resync would open a new connection for nobody.
        if self._reconnect_cb is not None and self._reconnector is not None:
            try:
                self._reconnect_cb()
            except Exception:
                LOG.exception('Resync after reconnecting to %s failed', self.uri)
        return True

    # -- callbacks (event loop thread) -----------------------------------------
    def _on_close(self, _conn, reason, generation):
        LOG.warning('libvirt connection to %s closed (reason %s)', self.uri, reason)
        # Never block the event loop on the lock: flag it, let the reconnector do the rest.
        if generation == self._generation:
            self._closed_by_peer = True
            if self._broken_since is None:
                self._broken_since = time.monotonic()
            reconnector = self._reconnector
            if reconnector is not None:
                reconnector.request()

    def _on_lifecycle(self, _conn, dom, event, detail, _opaque):
        try:
            self._lifecycle_cb(dom.UUIDString(), event, detail)
        except Exception:
            LOG.exception('Lifecycle callback failed')

    # -- calls -------------------------------------------------------------------
    def call(self, fn):
        """Return ``fn(conn)``. When the connection breaks, wait for the reconnection
        (up to ``reconnect_timeout`` s in all) and call again: HypervisorUnavailable if
        libvirtd does not come back in time."""
        deadline = None
        while True:
            if deadline is None:
                conn = self.connect()
            else:
                conn = self._await_connection(deadline)
            try:
                return fn(conn)
            except libvirt.libvirtError as exc:
                if not self._is_broken(conn, exc):
                    raise
                LOG.warning('libvirt connection to %s broke (%s); waiting for it to come '
                            'back', self.uri, exc)
            self._broken(conn)
            if deadline is None:
                deadline = time.monotonic() + self.reconnect_timeout

    def _is_broken(self, conn, exc):
        if exc.get_error_code() not in _BROKEN_CODES:
            return False
        return conn is not self._conn or self._closed_by_peer or not _is_alive(conn)


def _close_quietly(conn):
    try:
        conn.close()
    except libvirt.libvirtError:
        pass
