"""Start-up clean-up of evacuated instances (Nova's ``_destroy_evacuated_instances``).

While this compute was down, its instances may have been evacuated to other hosts. At
start-up, before any recovery or power-state sync, it asks for the evacuations away from
it that are accepted, pre-migrating or done, destroys its own guest of each (never
restarting it, never touching the instance, which belongs to the destination now) and
marks each migration ``completed`` — also when it had no guest left. Its recovery then
leaves those instances alone.
"""

from oslo_log import log as logging

from cepheid.common import context as cep_context

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
