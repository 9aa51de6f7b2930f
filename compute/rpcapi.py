"""Client side of the compute RPC API: the api service casts instance operations to a host.

A cast is first described as a ``Cast`` (host, method, arguments): the api service writes
it to its transactional outbox together with the state change it belongs to, and the
outbox's sender publishes it with ``send``. Nothing here waits for the broker inside an
API request.

Version history:
  1.0 - reboot_instance, build_and_run_instance, terminate_instance, and the power actions
  1.1 - soft_delete_instance, restore_instance (deferred delete)
  1.2 - rescue_instance, unrescue_instance, trigger_crash_dump, rebuild_instance (casts),
        set_admin_password (call), get_console_output (call)
  1.3 - external_instance_event (cast)
  1.4 - prep_resize, resize_instance, finish_resize, confirm_resize, revert_resize,
        finish_revert_resize (resize and cold migration, compute to compute as Nova's)
  1.5 - get_host_uptime, get_diagnostics, get_instance_diagnostics (calls)
  1.6 - rebuild_instance(recreate, migration, on_shared_storage): evacuate, cast to the
        destination
  1.7 - live_migration, live_migration_abort, live_migration_force_complete (casts to the
        source); pre_live_migration, post_live_migration_at_destination,
        rollback_live_migration_at_destination (calls, source to destination)
  1.8 - run_casts: several casts for one host in one message (the outbox's batches); a
        client capped below 1.8 (``[api] compute_rpc_version_cap``: older computes) sends
        them one by one
"""

import typing

from cepheid.common import context as cep_context
from cepheid.common import objects
from cepheid.common import rpc

TOPIC = 'compute'
VERSION = '1.8'
BATCH_VERSION = '1.8'
# Methods newer than 1.0, sent with the version that introduced them.
_SINCE = {'soft_delete_instance': '1.1', 'restore_instance': '1.1',
          'rescue_instance': '1.2', 'unrescue_instance': '1.2', 'trigger_crash_dump': '1.2',
          'rebuild_instance': '1.2', 'external_instance_event': '1.3',
          'prep_resize': '1.4', 'resize_instance': '1.4',
          'finish_resize': '1.4', 'confirm_resize': '1.4', 'revert_resize': '1.4',
          'finish_revert_resize': '1.4', 'live_migration': '1.7',
          'live_migration_abort': '1.7', 'live_migration_force_complete': '1.7'}
LIVE_VERSION = '1.7'
# The migration fields a move's casts carry (JSON-able; the flavors are instance columns).
MIGRATION_FIELDS = ('id', 'uuid', 'migration_type', 'source_compute', 'source_node',
                    'dest_compute', 'dest_node', 'old_flavor', 'new_flavor', 'old_vm_state')


class Cast(typing.NamedTuple):
    """One cast to topic ``compute``, server ``host``: ``method(**kwargs)``."""

    host: str
    method: str
    kwargs: dict


def cast_for(instance, method, **kwargs):
    """The Cast of ``method`` for ``instance`` (sent to its host, carrying the instance)."""
    return Cast(instance['host'], method,
                {'instance': objects.instance_to_primitive(instance), **kwargs})


class InstanceCast(typing.NamedTuple):
    """``cast_for(instance, method, **kwargs)`` before the instance is read: called with
    the instance, its Cast. What it adds to the instance is known without it, so the api's
    database can write the outbox row in the statement that reads the instance."""

    method: str
    kwargs: dict

    def __call__(self, instance):
        return cast_for(instance, self.method, **self.kwargs)


def migration_to_primitive(migration):
    return {key: migration[key] for key in MIGRATION_FIELDS}


def move_cast(instance, migration, method, host):
    """One step of a resize or cold migration, sent to ``host`` (Nova's shape:
    prep_resize and finish_resize to the destination, resize_instance to the source, ...)."""
    return Cast(host, method, {'instance': objects.instance_to_primitive(instance),
                               'migration': migration_to_primitive(migration)})


def prep_resize(instance, migration):
    return move_cast(instance, migration, 'prep_resize', migration['dest_compute'])


def evacuate_instance(instance, migration, *, admin_password, on_shared_storage):
    """Nova's rebuild_instance with ``recreate``: to the evacuation's destination."""
    return Cast(migration['dest_compute'], 'rebuild_instance', {
        'instance': objects.instance_to_primitive(instance), 'preserve_ephemeral': False,
        'admin_password': admin_password, 'recreate': True,
        'on_shared_storage': on_shared_storage,
        'migration': migration_to_primitive(migration)})


def _version(cast):
    if cast.method == 'rebuild_instance' and cast.kwargs.get('recreate'):
        return '1.6'
    return _SINCE.get(cast.method, '1.0')


def live_migration(instance, migration, *, block_migration):
    """os-migrateLive: to the source (the instance's host), which drives the move."""
    return Cast(migration['source_compute'], 'live_migration',
                {'instance': objects.instance_to_primitive(instance),
                 'migration': migration_to_primitive(migration),
                 'block_migration': block_migration})


def live_migration_control(instance, migration, method):
    """live_migration_abort / live_migration_force_complete, to the source."""
    return Cast(migration['source_compute'], method,
                {'instance': objects.instance_to_primitive(instance),
                 'migration': migration_to_primitive(migration)})


def reboot_instance(instance, reboot_type):
    return reboot_cast(reboot_type)(instance)


def reboot_cast(reboot_type):
    """``reboot_instance`` for an instance not yet read (InstanceCast)."""
    return InstanceCast('reboot_instance', {'reboot_type': reboot_type})


def build_and_run_instance(instance):
    return cast_for(instance, 'build_and_run_instance')


def terminate_instance(instance):
    return cast_for(instance, 'terminate_instance')


def run_power_action(instance, method, **kwargs):
    """A table action (start_instance, rescue_instance, ...); ``kwargs``: its driver_args."""
    return cast_for(instance, method, **kwargs)


def power_action_cast(method, **kwargs):
    """``run_power_action`` of ``method`` for an instance not yet read (InstanceCast)."""
    return InstanceCast(method, kwargs)


def rebuild_instance(instance, *, preserve_ephemeral, admin_password):
    return cast_for(instance, 'rebuild_instance', preserve_ephemeral=preserve_ephemeral,
                    admin_password=admin_password)


def external_instance_event(host, instances, events):
    """os-server-external-events for ``instances`` of ``host``: ``events`` are dicts
    (instance_uuid, name, status, tag)."""
    return Cast(host, 'external_instance_event',
                {'instances': [objects.instance_to_primitive(i) for i in instances],
                 'events': [dict(e) for e in events]})


class ComputeRPCAPI:
    """Sends Casts; the request context travels along as a dict."""

    def __init__(self, transport, *, version_cap=None, retry=None, publisher=None):
        self.client = rpc.get_client(transport, TOPIC, version=VERSION, version_cap=version_cap)
        self.retry = retry
        # A common/lean_publisher.Publisher (persistent, confirmed) the casts go through
        # first (the api's outbox: [api] casts_publisher), or None: oslo.messaging's cast.
        self.publisher = publisher

    def _cast(self, context, host, method, version, kwargs):
        """Cast ``method(**kwargs)`` at ``version`` to ``host``: through the lean
        publisher when there is one, the version cap allows it and the broker confirmed
        it; else through oslo.messaging (which also refuses a version past the cap)."""
        publisher = self.publisher
        if (publisher is not None and self.client.can_send_version(version)
                and publisher.publish(context, topic=f'{TOPIC}.{host}', method=method,
                                      args=kwargs, version=version)):
            return
        self.client.prepare(server=host, retry=self.retry, version=version).cast(
            context, method, **kwargs)

    def send(self, context, cast):
        """Publish ``cast``; ``context`` is a RequestContext or its dict form.

        With ``retry`` set (the outbox sender: 0), a broker that is down fails the send
        at once instead of blocking; the caller keeps the cast and tries again.
        """
        if isinstance(context, dict):
            context = cep_context.RequestContext.from_dict(context)
        self._cast(context, cast.host, cast.method, _version(cast), cast.kwargs)

    def can_batch(self):
        """Whether ``send_batch`` may be used (the version cap allows 1.8)."""
        return self.client.can_send_version(BATCH_VERSION)

    def send_batch(self, host, items):
        """Publish ``items`` (``[(context dict, Cast)]``, all for ``host``, in order) as
        one ``run_casts`` message (1.8); each cast keeps its own context."""
        casts = [{'method': cast.method, 'context': context, 'kwargs': cast.kwargs}
                 for context, cast in items]
        context = cep_context.RequestContext.from_dict(items[0][0])
        self._cast(context, host, 'run_casts', BATCH_VERSION, {'casts': casts})

    def _call(self, context, instance, method, *, version='1.2', **kwargs):
        """An RPC *call* to the instance's host (not through the outbox: it answers)."""
        return self.client.prepare(server=instance['host'], version=version).call(
            context, method, instance=objects.instance_to_primitive(instance), **kwargs)

    def set_admin_password(self, context, instance, new_pass):
        """changePassword: the driver's refusal comes back as the exception."""
        return self._call(context, instance, 'set_admin_password', new_pass=new_pass)

    def get_console_output(self, context, instance, tail_length):
        return self._call(context, instance, 'get_console_output', tail_length=tail_length)

    def get_host_uptime(self, context, host):
        """The ``uptime`` line of compute ``host`` (os-hypervisors/{id}/uptime)."""
        return self.client.prepare(server=host, version='1.5').call(context, 'get_host_uptime')

    def live_call(self, context, host, method, instance, migration, **kwargs):
        """A live migration's call from the source to the destination ``host``."""
        return self.client.prepare(server=host, version=LIVE_VERSION).call(
            context, method, instance=objects.instance_to_primitive(instance),
            migration=migration_to_primitive(migration), **kwargs)

    def get_diagnostics(self, context, instance):
        return self._call(context, instance, 'get_diagnostics', version='1.5')

    def get_instance_diagnostics(self, context, instance):
        return self._call(context, instance, 'get_instance_diagnostics', version='1.5')
