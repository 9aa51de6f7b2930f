"""What a compute starting again must not keep: the guests of its hypervisor whose
instance was deleted, or has moved on to another host for good, while it was down
(Nova's ``_cleanup_running_deleted_instances`` reap and ``_destroy_evacuated_instances``,
for every kind of move). Mixed into ConductorEndpoint.

The decision is taken here, on the database, for the uuids the compute reports: a guest
goes when its instance is deleted (a resized server deleted while its source was down:
the source's copy), or lives on another host and its newest move from or to this one was
away from it and ended there (``confirmed``, ``completed``, ``done``). A guest the
database has no instance for, of a move not ended (a resize to confirm or revert, a
failed move whose copy here may be the only one), or of a move coming back here, stays.
"""

from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.common import exception
from cepheid.common import objects

# A move away from a host that ended with the instance elsewhere: the host's copy is not
# needed any more (resize / cold migration, live migration, evacuation).
MOVED_AWAY = ('confirmed', 'completed', 'done')


def _stale_reason(session, instance, host):
    if instance['deleted']:
        return 'deleted'
    if instance['host'] in (None, host):
        return None
    migration = db_migrations.newest_on_host(session, instance['uuid'], host)
    if (migration is not None and migration['source_compute'] == host
            and migration['status'] in MOVED_AWAY):
        return f"moved to {instance['host']}"
    return None


class CleanupConductor:
    """Needs ``db``."""

    def stale_guests(self, context, *, host, instance_uuids):
        """1.9: of the guests ``instance_uuids`` on ``host``'s hypervisor, those to
        destroy, each ``{"instance", "reason"}`` (the instance as stored, deleted or
        not: the driver needs its uuid and name)."""
        result = []
        with self.db.transaction() as session:
            for uuid in instance_uuids:
                try:
                    instance = db_instances.get(session, uuid, read_deleted=True)
                except exception.InstanceNotFound:
                    continue
                reason = _stale_reason(session, instance, host)
                if reason is not None:
                    result.append({'instance': objects.instance_to_primitive(instance),
                                   'reason': reason})
        return result
