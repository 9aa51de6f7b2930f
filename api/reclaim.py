"""The reclaim of soft-deleted servers: Nova's ``_reclaim_queued_deletes``, in the api.

With ``[DEFAULT] reclaim_instance_interval`` > 0, DELETE only soft-deletes a server. One
worker of each api host (api/workers.py) checks every interval for servers soft-deleted
longer than that and deletes them for good through the compute API (a cast to their
compute, or a local delete when its host is gone). The delete claims the instance with a
compare-and-swap on task_state, so several api processes never delete one twice.
"""

import datetime
import uuid

from oslo_log import log as logging

from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import periodic

LOG = logging.getLogger(__name__)


class Reclaimer(periodic.PeriodicThread):
    thread_name = 'reclaim'

    def __init__(self, conf, db, compute_api):
        super().__init__()
        self.conf, self.db, self.compute_api = conf, db, compute_api

    @property
    def interval(self):
        return self.conf.reclaim_instance_interval

    def run_failed(self, exc):
        LOG.exception('Reclaim of soft-deleted servers failed')

    def check_once(self):
        """Delete every server soft-deleted for longer than the interval; their uuids."""
        cutoff = models.utcnow() - datetime.timedelta(seconds=self.interval)
        with self.db.transaction() as session:
            due = db_instances.get_reclaimable(session, deleted_before=cutoff)
        reclaimed = []
        for instance in due:
            context = cep_context.RequestContext(
                user_id=instance['user_id'], project_id=instance['project_id'],
                roles=['admin'], request_id=f'req-{uuid.uuid4()}', overwrite=False)
            try:
                self.compute_api.delete(context, instance)
            except (exception.UnexpectedTaskStateError, exception.InstanceNotFound):
                LOG.info('Soft-deleted instance %s moved on before the reclaim', instance['uuid'])
                continue
            LOG.info('Reclaimed soft-deleted instance %s', instance['uuid'])
            reclaimed.append(instance['uuid'])
        return reclaimed
