"""Evacuations at start-up: the source's clean-up and the destination's redo.

Source (Nova's ``_destroy_evacuated_instances``): while this compute was down, its
instances may have been evacuated to other hosts. At start-up, before any recovery or
power-state sync, it asks for the evacuations away from it that are accepted,
pre-migrating or done, destroys its own guest of each (never restarting it, never touching
the instance, which belongs to the destination now) and marks each migration
``completed`` — also when it had no guest left. Its recovery then leaves those instances
alone.

Destination (beyond Nova, whose instance stays in REBUILD until reset): an evacuation
towards this host interrupted by its restart (the instance still rebuilding on its
source) is queued again; every step accepts its own redo, and the cast of the same
request still waiting in the broker, if any, then finds it done.
"""

from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.compute import decorators
from cepheid.compute import recovery

LOG = logging.getLogger(__name__)


def destroy_evacuated_instances(manager):
    """Returns the uuids of the instances evacuated from this host."""
    admin = cep_context.get_admin_context()
    evacuations = manager.conductor.evacuations_from_host(admin)
    if not evacuations:
        return set()
    local = set(manager.driver.list_instance_uuids())
    done = set()
    for item in evacuations:
        instance = item['instance']
        uuid = instance['uuid']
        done.add(uuid)
        if uuid in local:
            LOG.info('Destroying instance %s as it has been evacuated from this host but '
                     'still exists in the hypervisor', uuid)
            try:
                manager.driver.destroy(instance)
            except Exception:
                LOG.exception('Could not destroy the evacuated instance %s; its migration '
                              'stays for the next start', uuid)
                continue
        try:
            manager.conductor.evacuation_source_cleaned(admin, uuid, item['migration_id'])
        except Exception:
            LOG.exception('Could not complete the evacuation of %s', uuid)
    return done


def redo_interrupted(manager, queue):
    """Queue the evacuations towards this host that a restart interrupted; returns their
    instance uuids."""
    admin = cep_context.get_admin_context()
    done = set()
    for item in manager.conductor.evacuations_to_host(admin):
        instance, migration = item['instance'], item['migration']
        LOG.info('Recovery of the evacuation of %s from %s (%s): evacuating again',
                 instance['uuid'], migration['source_compute'], instance['task_state'])
        context = recovery.owner_context(instance, item['request_id'])
        queue.submit(instance['uuid'], decorators.run_operation, manager.evacuate_instance,
                     context, instance, migration=migration)
        done.add(instance['uuid'])
    return done
