"""At start-up, after the evacuations' clean-up: destroy the guests of this hypervisor
whose instance was deleted, or lives on another host for good, while this compute was
down (Nova's ``_cleanup_running_deleted_instances`` with its ``reap`` action, and its
``_destroy_evacuated_instances`` for every move). A resized server deleted while its
source was down leaves its copy there: the confirm cast by the delete may never arrive.

The conductor decides (``stale_guests``, conductor RPC 1.9) from the database; a guest it
names is destroyed, never restarted, and its instance is not touched. The recovery then
leaves those instances alone.
"""

from oslo_log import log as logging

from cepheid.common import context as cep_context

LOG = logging.getLogger(__name__)


def destroy_stale_guests(manager, *, skip=()):
    """Returns the uuids of the instances whose guest here was destroyed (or was to be:
    a failure is logged, the guest stays for the next start)."""
    uuids = [u for u in manager.driver.list_instance_uuids() if u not in set(skip)]
    if not uuids:
        return set()
    admin = cep_context.get_admin_context()
    done = set()
    for item in manager.conductor.stale_guests(admin, uuids):
        instance = item['instance']
        done.add(instance['uuid'])
        LOG.info('Destroying the guest of instance %s: %s while this host was down',
                 instance['uuid'], item['reason'])
        try:
            manager.driver.destroy(instance)
        except Exception:
            LOG.exception('Could not destroy the guest of %s; it stays for the next start',
                          instance['uuid'])
    return done
