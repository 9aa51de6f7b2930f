"""Start-up recovery of resizes and cold migrations this host takes part in.

A step interrupted by a restart is run again (every step is idempotent: its event is
reused, its compare-and-swaps accept their own target, the driver calls tolerate a redo),
and a step whose cast to the other host may have been lost is cast again (a step that ran
already is a no-op there: its event finished). A step whose guest this host lost errors
the move out (ERROR with a fault), so an instance never ends running on two hosts.

  task_state / status            this host   redo
  resize_prep, pre-migrating     dest        prep_resize (done: resize_instance cast again)
  resize_prep, pre-migrating     source      (the cast waits in the queue; left alone)
  resize_migrating               source      resize_instance
  resize_migrated                dest        finish_resize
  resize_migrated                source      cast finish_resize to dest again
  resize_finish                  dest        finish_resize
  (resized) confirming           source      confirm_resize
  resize_reverting, on the dest  dest        revert_resize (done: finish_revert cast again)
  resize_reverting, on the source source     finish_revert_resize
  migrating, accepted/queued     source      live_migration (its cast may be lost)
  migrating, preparing/running   source      recover_live_migration (rolled back)
  migrating, post-migrating      source      recover_live_migration (completed)
  (none) on the dest, post-migr. source      recover_live_migration (completed)
  (a live migration's destination waits for its source)
"""

from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.common import states
from cepheid.compute import decorators
from cepheid.compute import recovery

LOG = logging.getLogger(__name__)


def _live_plan(migration, instance, host):
    if host != migration['source_compute']:
        return None
    if instance['task_state'] is None and migration['status'] == 'post-migrating' and \
            instance['host'] == migration['dest_compute']:
        # The destination took the instance; this source died before completing it.
        return 'recover_live_migration', host
    if instance['task_state'] != states.MIGRATING:
        return None
    if migration['status'] in ('accepted', 'queued'):
        return 'live_migration', host
    return 'recover_live_migration', host


def plan(migration, instance, host):
    """(method, host to run it on) that resumes ``migration`` from ``host``, or None."""
    if migration.get('migration_type') == 'live-migration':
        return _live_plan(migration, instance, host)
    task, status = instance['task_state'], migration['status']
    is_source = host == migration['source_compute']
    is_dest = host == migration['dest_compute']
    if task == states.RESIZE_PREP and status == 'pre-migrating' and is_dest:
        return 'prep_resize', host
    if task == states.RESIZE_MIGRATING and is_source:
        return 'resize_instance', host
    if task in (states.RESIZE_MIGRATED, states.RESIZE_FINISH):
        if is_dest:
            return 'finish_resize', host
        if is_source and task == states.RESIZE_MIGRATED:
            return 'finish_resize', migration['dest_compute']
    if task is None and status == 'confirming' and is_source:
        return 'confirm_resize', host
    if task == states.RESIZE_REVERTING:
        if instance['host'] == migration['dest_compute'] and is_dest:
            return 'revert_resize', host
        if instance['host'] == migration['source_compute'] and is_source:
            return 'finish_revert_resize', host
    return None


def recover(manager, queue):
    """Queue (or cast) the redo of each interrupted move; returns {uuid: method}."""
    admin = cep_context.get_admin_context()
    done = {}
    for item in manager.conductor.migrations_in_progress(admin):
        migration, instance = item['migration'], item['instance']
        step = plan(migration, instance, manager.host)
        if step is None:
            continue
        method, target = step
        context = recovery.owner_context(instance, item['request_id'])
        LOG.info('Recovery of the %s of %s (%s, migration %s): %s on %s',
                 migration['migration_type'], instance['uuid'], instance['task_state'],
                 migration['status'], method, target)
        done[instance['uuid']] = method
        try:
            if target == manager.host:
                queue.submit(instance['uuid'], decorators.run_operation,
                             getattr(manager, method), context, instance,
                             migration=migration)
            else:
                manager._next(context, instance, migration, method, target)
        except Exception:
            LOG.exception('Recovery of the move of %s failed', instance['uuid'])
    return done
