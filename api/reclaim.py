"""The reclaim of soft-deleted servers: Nova's ``_reclaim_queued_deletes``, in the api.

With ``[DEFAULT] reclaim_instance_interval`` > 0, DELETE only soft-deletes a server. Every
api process checks every interval for servers soft-deleted longer than that and deletes
them for good through the compute API (a cast to their compute, or a local delete when
its host is gone). The delete claims the instance with a compare-and-swap on task_state,
so several api processes never delete one twice.
"""

import datetime
import threading
import uuid

from oslo_log import log as logging

from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.common import context as cep_context
from cepheid.common import exception

LOG = logging.getLogger(__name__)


class Reclaimer:
    def __init__(self, conf, db, compute_api):
        self.conf, self.db, self.compute_api = conf, db, compute_api
        self._stop = threading.Event()
        self._thread = None

    @property
    def interval(self):
        return self.conf.reclaim_instance_interval

    def start(self):
        if self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name='reclaim', daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self):
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception:
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
