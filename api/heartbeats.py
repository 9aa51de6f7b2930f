"""Compute heartbeats and capacity reports, written in batches.

With ``[DEFAULT] report_interval`` 10 s, 1,000 computes send 100 heartbeats a second; one
transaction each is 100 commits a second at idle. The conductor hands each beat to a
``HeartbeatBatcher`` instead, which keeps the newest per service and writes them all in
one transaction every ``[api] heartbeat_flush_interval`` seconds: one prebuilt executemany
UPDATE of the services (by host and binary, no SELECT unless one is missing), and for the
hosts that sent a capacity report one SELECT of their nodes and an UPDATE where it changed.

The first beat this process sees of a service is written at once, so a compute that
starts (its first beat is a call) is visible, with its node, when the call returns. A
later beat reaches the database at most one flush interval later, well inside
``service_down_time``. A flush that fails keeps its beats for the next one.
"""

import threading

from oslo_log import log as logging

from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import services as db_services
from cepheid.common import periodic

LOG = logging.getLogger(__name__)


class HeartbeatBatcher(periodic.PeriodicThread):
    thread_name = 'heartbeats'

    def __init__(self, database, *, interval=1.0):
        super().__init__()
        self.db = database
        self.interval = interval
        self._lock = threading.Lock()
        self._pending = {}      # (host, binary) -> {'topic', 'beats', 'resources'}
        self._known = set()     # services already written once by this process

    def record(self, *, host, binary, topic, resources=None):
        """Take one beat (and its capacity report, if any)."""
        key = (host, binary)
        with self._lock:
            known = key in self._known
            if known:
                entry = self._pending.setdefault(key, {'topic': topic, 'beats': 0,
                                                       'resources': None})
                entry['beats'] += 1
                if resources is not None:
                    entry['resources'] = resources
        if not known:
            self._write({key: {'topic': topic, 'beats': 1, 'resources': resources}})
            with self._lock:
                self._known.add(key)

    def flush(self):
        """Write the pending beats in one transaction; returns how many services."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        try:
            self._write(pending)
        except Exception:
            with self._lock:
                for key, entry in pending.items():
                    self._merge(key, entry)
            raise
        return len(pending)

    def _merge(self, key, entry):
        newer = self._pending.get(key)
        if newer is None:
            self._pending[key] = entry
            return
        newer['beats'] += entry['beats']
        if newer['resources'] is None:
            newer['resources'] = entry['resources']

    def _write(self, pending):
        reports = {host: entry['resources'] for (host, _binary), entry in pending.items()
                   if entry['resources'] is not None}
        with self.db.core_transaction() as session:
            db_services.beats(session, pending)
            db_compute_nodes.report_many(session, reports)

    # -- the flush thread ------------------------------------------------------------
    def check_once(self):
        self.flush()

    def run_failed(self, exc):
        LOG.warning('Heartbeat flush failed (kept for the next one): %s', exc)

    def stop(self, timeout=10):
        super().stop(timeout)
        try:
            self.flush()
        except Exception as exc:
            LOG.warning('Last heartbeat flush failed: %s', exc)

