"""Evacuation migrations (Nova's ``evacuation`` type): their statuses and who holds which claim.

  accepted (api) → pre-migrating (the destination starts) → done (the destination rebuilt
  the guest and took the instance) → completed (the source, back up, destroyed its copy)
  failed: the destination could not rebuild it (or the watchdog ended it)

Claims: until the hand-over the instance row (host = source) holds the source's claim and
the migration the destination's; after it the row holds the destination's and the
migration the source's, until the source's clean-up. So the source's claim is given back
by the second of {hand-over, source clean-up}, and the destination's by a failure (or a
delete) before the hand-over — each exactly once, since every release follows a
compare-and-swap on the instance or the migration status.
"""

import sqlalchemy as sa

from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

TYPE = 'evacuation'
ACCEPTED = 'accepted'
PRE_MIGRATING = db_migrations.PRE_MIGRATING
DONE = 'done'
COMPLETED = 'completed'
FAILED = db_migrations.FAILED
ERROR = db_migrations.ERROR
IN_PROGRESS = (ACCEPTED, PRE_MIGRATING)
# Nova's _destroy_evacuated_instances: the source destroys its guest for these.
SOURCE_CLEANUP = (ACCEPTED, PRE_MIGRATING, DONE)

_MODEL = models.Migration


def _release(session, host, flavor):
    """Give back ``flavor``'s (instance columns) claim on ``host``."""
    if host and flavor:
        db_nodes.release(session, host=host, vcpus=int(flavor['vcpus']),
                         memory_mb=int(flavor['memory_mb']),
                         disk_gb=db_nodes.instance_disk_gb(flavor))


def _set(session, migration, status, expected):
    """CAS the status; False (nothing changed) on a miss."""
    try:
        db_migrations.update(session, migration['id'], {'status': status},
                             expected_status=expected)
    except exception.MigrationStatusConflict:
        return False
    return True


def _status(session, migration):
    return db_migrations.get(session, migration['id'])['status']


def start(session, migration):
    """The destination starts (or redoes) the rebuild: accepted → pre-migrating. A
    migration the source already cleaned up (completed) goes on; a failed one does not."""
    if _set(session, migration, PRE_MIGRATING, (ACCEPTED, PRE_MIGRATING)):
        return
    actual = _status(session, migration)
    if actual != COMPLETED:
        raise exception.MigrationStatusConflict(migration_id=migration['id'],
                                                expected=IN_PROGRESS, actual=actual)


def hand_over(session, migration):
    """After the instance CAS that moved it to the destination: → done; when the source
    cleaned up meanwhile (completed), its claim is given back now."""
    if not _set(session, migration, DONE, IN_PROGRESS):
        if _status(session, migration) == COMPLETED:
            _release(session, migration['source_compute'],
                                       migration['old_flavor'])


def fail(session, migration):
    """After the instance CAS that errored it out on the source: the destination's claim
    is given back; → failed (a completed one stays: the source has no guest left)."""
    _release(session, migration['dest_compute'], migration['new_flavor'])
    _set(session, migration, FAILED, IN_PROGRESS)


def instance_deleted(session, migration):
    """The instance was deleted mid-evacuation (its row gave back the source's claim): the
    destination's claim goes too. The status stays, so the source still destroys its
    guest when it comes back."""
    if migration['status'] in IN_PROGRESS:
        _release(session, migration['dest_compute'], migration['new_flavor'])


def source_cleaned(session, migration):
    """The source destroyed its copy: → completed; the source's claim is given back here
    when the hand-over came first (done). Returns the new status or None (no change)."""
    if _set(session, migration, COMPLETED, (DONE,)):
        _release(session, migration['source_compute'],
                                   migration['old_flavor'])
        return COMPLETED
    if _set(session, migration, COMPLETED, IN_PROGRESS):
        return COMPLETED
    return None


def from_source(session, host):
    """Evacuations away from ``host`` whose guest there is still to be destroyed."""
    stmt = sa.select(_MODEL).where(
        _MODEL.deleted == 0, _MODEL.migration_type == TYPE, _MODEL.source_compute == host,
        _MODEL.status.in_(SOURCE_CLEANUP)).order_by(_MODEL.id)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def in_progress(session, instance_uuid):
    """The instance's evacuation in progress (accepted or pre-migrating), or None."""
    return db_migrations.get_by_instance(session, instance_uuid, statuses=IN_PROGRESS,
                                         migration_type=TYPE)


def to_dest(session, host):
    """Evacuations in progress towards ``host`` (the destination's start-up redo)."""
    stmt = sa.select(_MODEL).where(
        _MODEL.deleted == 0, _MODEL.migration_type == TYPE, _MODEL.dest_compute == host,
        _MODEL.status.in_(IN_PROGRESS)).order_by(_MODEL.id)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]
