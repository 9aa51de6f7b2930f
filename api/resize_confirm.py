"""Nova's ``_poll_unconfirmed_resizes``, in the api: with ``[DEFAULT]
resize_confirm_window`` > 0, one worker of each api host (api/workers.py) confirms resizes
and cold migrations left in VERIFY_RESIZE longer than the window, as if the owner had sent
confirmResize (action ``confirmResize``). The confirm is a compare-and-swap on the
migration's status, so two processes never confirm one twice.

``resend_stuck_confirms`` (run by the watchdog) re-sends the ``confirm_resize`` of a move
left ``confirming`` past ``reboot_timeout`` (its cast lost): the source confirms once, a
second delivery of the request is a no-op there.
"""

import datetime
import uuid

from oslo_log import log as logging

from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import periodic
from cepheid.compute import rpcapi as compute_rpcapi

LOG = logging.getLogger(__name__)


class ResizeConfirmer(periodic.PeriodicThread):
    thread_name = 'resize-confirm'

    def __init__(self, conf, store):
        super().__init__()
        self.conf, self.store = conf, store

    @property
    def window(self):
        return self.conf.resize_confirm_window

    interval = window

    def wait_time(self):
        return min(60, self.window)

    def run_failed(self, exc):
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


def resend_stuck_confirms(store, cutoff):
    """Re-send confirm_resize for moves ``confirming`` since before ``cutoff``; their
    instance uuids. The status is saved again (updated_at moves on) in the transaction of
    the outbox row, so each is re-sent once per timeout."""
    with store.db.transaction() as session:
        stuck = db_migrations.confirming_before(session, cutoff)
    resent = []
    for migration in stuck:
        context = cep_context.RequestContext(
            user_id=migration['user_id'], project_id=migration['project_id'],
            roles=['admin'], request_id=_latest_request(store, migration), overwrite=False)
        try:
            with store.db.transaction() as session:
                claimed = db_migrations.update(
                    session, migration['id'], {'status': db_migrations.CONFIRMING},
                    expected_status=(db_migrations.CONFIRMING,))
                instance = db_instances.get(session, migration['instance_uuid'])
                row = store.outbox.add(session, context, compute_rpcapi.move_cast(
                    instance, claimed, 'confirm_resize', claimed['source_compute']))
        except (exception.MigrationStatusConflict, exception.InstanceNotFound):
            continue
        store.outbox.submit([row])
        LOG.warning('Confirm of the move of %s (migration %s) stuck: re-sent to %s',
                    instance['uuid'], migration['id'], migration['source_compute'])
        resent.append(instance['uuid'])
    return resent


def _latest_request(store, migration):
    with store.db.transaction() as session:
        action = db_actions.latest_action(session, migration['instance_uuid'])
    return action['request_id'] if action else f'req-{uuid.uuid4()}'
