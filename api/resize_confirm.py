"""Nova's ``_poll_unconfirmed_resizes``, in the api: with ``[DEFAULT] resize_confirm_window``
> 0, every api process confirms resizes and cold migrations left in VERIFY_RESIZE longer
than the window, as if the owner had sent confirmResize (action ``confirmResize``). The
confirm is a compare-and-swap on the migration's status, so two processes never confirm
one twice."""

import datetime
import threading
import uuid

from oslo_log import log as logging

from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.common import context as cep_context
from cepheid.common import exception

LOG = logging.getLogger(__name__)


class ResizeConfirmer:
    def __init__(self, conf, store):
        self.conf, self.store = conf, store
        self._stop = threading.Event()
        self._thread = None

    @property
    def window(self):
        return self.conf.resize_confirm_window

    def start(self):
        if self.window <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name='resize-confirm', daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self):
        while not self._stop.wait(min(60, self.window)):
            try:
                self.check_once()
            except Exception:
                LOG.exception('Confirming resizes past resize_confirm_window failed')

    def check_once(self):
        """Confirm every move finished longer than the window ago; their instance uuids."""
        cutoff = models.utcnow() - datetime.timedelta(seconds=self.window)
        with self.store.db.transaction() as session:
            due = db_migrations.finished_before(session, cutoff)
        confirmed = []
        for migration in due:
            context = cep_context.RequestContext(
                user_id=migration['user_id'], project_id=migration['project_id'],
                roles=['admin'], request_id=f'req-{uuid.uuid4()}', overwrite=False)
            try:
                self.store.begin_confirm(context, migration['instance_uuid'])
            except (exception.MigrationNotFound, exception.MigrationStatusConflict,
                    exception.InstanceNotFound):
                LOG.info('Migration %s moved on before its automatic confirm',
                         migration['id'])
                continue
            LOG.info('Automatically confirmed the resize of %s (migration %s)',
                     migration['instance_uuid'], migration['id'])
            confirmed.append(migration['instance_uuid'])
        return confirmed
