"""The libvirt connection: URI choice, event loop thread, lifecycle callbacks, reconnects."""

import functools
import threading

import libvirt
from oslo_log import log as logging

from cepheid.common import exception

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
    """One libvirt connection that reopens itself once when it breaks.

    ``lifecycle_cb(uuid, event, detail)`` runs on the event loop thread: keep it short.
    """

    def __init__(self, uri, host_name, lifecycle_cb=None, opener=None):
        self.uri = uri
        self.host_name = host_name
        self._lifecycle_cb = lifecycle_cb
        self._opener = opener or libvirt.open
        self._lock = threading.RLock()
        self._conn = None
        self._callback_id = None
        self._closed_by_peer = False
        self.reconnects = 0

    # -- opening and closing ---------------------------------------------------
    def connect(self):
        """Open the connection (and register callbacks); HypervisorUnavailable if impossible."""
        start_event_loop()
        with self._lock:
            if self._conn is None or self._closed_by_peer or not _is_alive(self._conn):
                self._open()
            return self._conn

    def _open(self):
        if self._conn is not None:
            self.reconnects += 1
        self._forget()
        try:
            conn = self._opener(self.uri)
        except libvirt.libvirtError as exc:
            LOG.error('Cannot connect to libvirt at %s: %s', self.uri, exc)
            raise exception.HypervisorUnavailable(host=self.host_name) from exc
        self._conn = conn
        self._closed_by_peer = False
        self._register_callbacks(conn)
        LOG.info('Connected to libvirt at %s', self.uri)

    def _register_callbacks(self, conn):
        try:
            conn.registerCloseCallback(self._on_close, None)
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
            self._forget()

    # -- callbacks (event loop thread) -----------------------------------------
    def _on_close(self, _conn, reason, _opaque):
        LOG.warning('libvirt connection to %s closed (reason %s)', self.uri, reason)
        self._closed_by_peer = True

    def _on_lifecycle(self, _conn, dom, event, detail, _opaque):
        try:
            self._lifecycle_cb(dom.UUIDString(), event, detail)
        except Exception:
            LOG.exception('Lifecycle callback failed')

    # -- calls -------------------------------------------------------------------
    def call(self, fn):
        """Return ``fn(conn)``; on a broken connection reopen once and call again."""
        conn = self.connect()
        try:
            return fn(conn)
        except libvirt.libvirtError as exc:
            if not self._is_broken(conn, exc):
                raise
            LOG.warning('libvirt connection to %s broke (%s); reconnecting', self.uri, exc)
        conn = self._reconnect(conn)
        try:
            return fn(conn)
        except libvirt.libvirtError as exc:
            if self._is_broken(conn, exc):
                raise exception.HypervisorUnavailable(host=self.host_name) from exc
            raise

    def _is_broken(self, conn, exc):
        if exc.get_error_code() not in _BROKEN_CODES:
            return False
        return self._closed_by_peer or not _is_alive(conn)

    def _reconnect(self, broken):
        with self._lock:
            if self._conn is broken or self._conn is None:
                self._open()
            return self._conn
