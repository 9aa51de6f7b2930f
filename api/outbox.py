"""The transactional outbox: casts to computes leave the api without a request waiting.

compute.api describes each cast (a ``compute.rpcapi.Cast``); the InstanceStore writes it
as an ``outbox`` row in the transaction of the CAS and the action row, claimed by this
process, and hands it to ``submit`` once committed. A sender thread per api process
publishes the pending rows grouped by host — the rows of one host as one ``run_casts``
message (compute RPC 1.8; one cast per row when the version cap is below it: older
computes) — and deletes them. A broker that is down fails a publish
at once (the sender's client has ``retry=0``): the rows stay pending, the sender backs
off, renews its claims and tries again. A row whose claim ran out — its process died
before publishing — is claimed by any sender on its next look, so every committed cast
is published at least once; a compute treats the duplicate of a finished request as a
no-op. Looks that find nothing space out (``look_interval``): a process's own casts wake
its sender at once, only another's death waits for a look. Only one worker of an api host
looks (``start(look_for_lapsed=...)``, api/workers.py); every worker sends its own casts.

Published rows are deleted together, ``delete_after`` seconds (0.1) after the first of them
went (or once ``MAX_BATCH`` wait): at 1,000 hosts a flush publishes about one row, and a
delete per flush was a third of the database commits of a reboot. A process that dies in
that window leaves its published rows to the next look, as it did between a publish and
its delete: they are sent again, and the compute ignores the duplicate.
"""

import datetime
import itertools
import os
import socket
import threading
import time
import uuid

from oslo_log import log as logging

from cepheid.api import db_errors
from cepheid.api.db import models
from cepheid.api.db import outbox as db_outbox
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)

MAX_BACKOFF = 5.0
# Most casts in one run_casts message; most published rows before their delete is due.
MAX_BATCH = 100
# Seconds between attempts to delete published rows while the database refuses.
DELETE_RETRY = 1.0


class Outbox:
    def __init__(self, db, rpcapi, *, lease=30, poll_interval=1.0, batch=200,
                 delete_after=0.1):
        self.db, self.rpcapi = db, rpcapi
        self.lease, self.poll_interval, self.batch = lease, poll_interval, batch
        self.delete_after = delete_after
        self.owner = f'{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}'
        self._pending = {}              # row id -> row, in commit order
        self._published = set()         # ids published but not yet deleted
        self._delete_due = 0.0          # monotonic time their delete is due
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._failing = False

    # -- the request side ---------------------------------------------------------
    def _until(self):
        return models.utcnow() + datetime.timedelta(seconds=self.lease)

    def add(self, session, context, cast):
        """Write ``cast`` in ``session``'s transaction; ``submit`` the result after commit."""
        claim = self.claim(context)
        row = db_outbox.add(session, context=claim['context'], cast=cast,
                            owner=claim['claimed_by'], until=claim['claimed_until'])
        return self.written(claim, row['id'], cast, row['created_at'])

    def claim(self, context):
        """The context and claim columns of a new row of this process: ``add``'s, or a
        statement's that writes the row itself (api/db/fused_steps.py)."""
        return {'context': context.to_dict(), 'claimed_by': self.owner,
                'claimed_until': self._until()}

    @staticmethod
    def written(claim, row_id, cast, created_at):
        """The row written for ``cast`` with ``claim``, as the sender takes it: ``submit``
        it after commit."""
        return dict(claim, id=row_id, host=cast.host, method=cast.method, kwargs=cast.kwargs,
                    created_at=created_at)

    def submit(self, rows):
        """Hand committed rows to the sender (never blocks on the broker)."""
        with self._lock:
            for row in rows:
                self._pending[row['id']] = row
        self._wake.set()

    # -- the sender -----------------------------------------------------------------
    def start(self, *, look_for_lapsed=True):
        """Start the sender; ``look_for_lapsed=False``: it only sends this process's own
        casts (another worker of this host looks for the dead processes' ones)."""
        self._thread = threading.Thread(target=self._loop, args=(look_for_lapsed,),
                                        name='outbox-sender', daemon=True)
        self._thread.start()

    def stop(self, timeout=10):
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def pending(self):
        with self._lock:
            return len(self._pending)

    def look_interval(self, empty_looks):
        """Seconds until the next look for lapsed claims: ``poll_interval`` after a look
        that found some (or failed), doubling with each look that found none, up to a
        sixth of the lease (a dead process's casts wait lease + lease / 6 at most)."""
        cap = max(self.poll_interval, self.lease / 6)
        return min(cap, self.poll_interval * 2 ** min(empty_looks, 16))

    def _loop(self, look_for_lapsed=True):
        backoff, empty_looks = 0.0, 0
        next_poll = 0.0 if look_for_lapsed else float('inf')
        while not self._stop.is_set():
            if backoff:
                self._stop.wait(backoff)       # new casts wait too: the broker is down
            else:
                self._wake.wait(self._wait_seconds(next_poll))
            self._wake.clear()
            if time.monotonic() >= next_poll:
                empty_looks = 0 if self._claim_expired() else empty_looks + 1
                next_poll = time.monotonic() + self.look_interval(empty_looks)
            try:
                ok = self._publish_pending()
                self._delete_when_due()
            except Exception:
                LOG.exception('Outbox sender failed')
                ok = False
            backoff = 0.0 if ok else min(MAX_BACKOFF, max(0.2, backoff * 2))
        try:
            self._delete_published()      # stopping: what went leaves the table now
        except Exception:
            LOG.exception('Outbox sender failed to delete its published casts')

    def _wait_seconds(self, next_poll):
        """How long the sender may sleep: until the next look or the published rows'
        delete, whichever is first (None: until woken)."""
        deadline = min(next_poll, self._delete_due) if self._published else next_poll
        return None if deadline == float('inf') else max(0.0, deadline - time.monotonic())

    def _claim_expired(self):
        """Claim the rows whose claim lapsed; False when there were none."""
        try:
            with self.db.transaction() as session:
                rows = db_outbox.claim_expired(session, owner=self.owner,
                                               until=self._until(), limit=self.batch)
        except db_errors.UNAVAILABLE as exc:
            LOG.warning('Outbox: database unavailable: %s', db_errors.brief(exc))
            return True
        rows = [r for r in rows if r['id'] not in self._published]
        if rows:
            LOG.info('Outbox: claimed %d casts whose sender stopped', len(rows))
            self.submit(rows)
        return bool(rows)

    def flush(self):
        """Publish every pending row, host by host, and delete the published rows at once;
        False when a publish failed."""
        ok = self._publish_pending()
        self._delete_published()
        return ok

    def _publish_pending(self):
        """Publish every pending row, host by host; False when a publish failed."""
        with self._lock:
            rows = list(self._pending.values())
        rows = self._still_claimed(rows)
        ok = True
        for host, group in itertools.groupby(sorted(rows, key=lambda r: r['host']),
                                             key=lambda r: r['host']):
            group = list(group)
            sent = self._publish(host, group)
            if sent and not self._published:
                self._delete_due = time.monotonic() + self.delete_after
            self._published.update(row['id'] for row in group[:sent])
            if sent < len(group):
                ok = False
                break
        with self._lock:
            for row_id in self._published:
                self._pending.pop(row_id, None)
        self._report(ok)
        return ok

    def _publish(self, host, rows):
        """Publish ``rows`` (all for ``host``, in commit order); returns how many went."""
        batches = len(rows) > 1 and self.rpcapi.can_batch()
        size = MAX_BATCH if batches else 1
        for index in range(0, len(rows), size):
            chunk = rows[index:index + size]
            casts = [(row['context'], compute_rpcapi.Cast(host, row['method'], row['kwargs']))
                     for row in chunk]
            try:
                if len(casts) > 1:
                    self.rpcapi.send_batch(host, casts)
                else:
                    self.rpcapi.send(*casts[0])
            except Exception as exc:
                if not self._failing:
                    LOG.warning('Outbox: cannot publish to the broker (%s); %d casts wait',
                                exc, self.pending())
                self._failing = True
                return index
        return len(rows)

    def _report(self, ok):
        if ok and self._failing:
            LOG.info('Outbox: the broker takes casts again')
            self._failing = False

    def _still_claimed(self, rows):
        """Rows this process may publish: renew the claims that are running out."""
        soon = models.utcnow() + datetime.timedelta(seconds=self.lease / 3)
        expiring = [r['id'] for r in rows if r['claimed_until'] < soon]
        if not expiring:
            return rows
        until = self._until()
        try:
            with self.db.transaction() as session:
                kept = db_outbox.renew(session, expiring, owner=self.owner, until=until)
        except db_errors.UNAVAILABLE as exc:
            LOG.warning('Outbox: cannot renew claims: %s', db_errors.brief(exc))
            now = models.utcnow()
            return [r for r in rows if r['claimed_until'] > now]
        lost = set(expiring) - kept
        with self._lock:
            for row_id in lost:
                self._pending.pop(row_id, None)
            for row_id in kept:
                if row_id in self._pending:
                    self._pending[row_id]['claimed_until'] = until
        return [r for r in rows if r['id'] not in lost]

    def _delete_when_due(self):
        if self._published and (len(self._published) >= MAX_BATCH
                                or time.monotonic() >= self._delete_due):
            self._delete_published()

    def _delete_published(self):
        if not self._published:
            return
        ids = sorted(self._published)
        try:
            with self.db.core_transaction() as session:
                db_outbox.delete(session, ids, owner=self.owner)
        except db_errors.UNAVAILABLE as exc:
            LOG.warning('Outbox: cannot delete %d published casts yet: %s', len(ids),
                        db_errors.brief(exc))
            self._delete_due = time.monotonic() + DELETE_RETRY
            return
        self._published.difference_update(ids)
