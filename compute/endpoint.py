"""The compute RPC endpoint (topic ``compute``): validates a message, then queues it.

Serialization is explicit here: every operation goes through ``self.queue.submit(uuid,
...)`` so one instance runs one operation at a time in arrival order; the RPC thread
returns at once. The casts that do nothing else run in the RPC server's listener thread
(``runs_at_once``), without a hand-off to its worker pool. A HARD reboot also escalates
a soft reboot already waiting on the guest. The table actions' methods are generated
from ``compute.actions.TABLE_ACTIONS``. changePassword, the console log, the host uptime
and the diagnostics are RPC *calls*: their result goes back to the api.
"""

import concurrent.futures

import oslo_messaging
from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import objects
from cepheid.compute import actions
from cepheid.compute import decorators
from cepheid.compute import external_events

LOG = logging.getLogger(__name__)

# 1.1 - soft_delete_instance, restore_instance (deferred delete)
# 1.2 - rescue_instance, unrescue_instance, trigger_crash_dump, rebuild_instance,
#       set_admin_password (call), get_console_output (call)
# 1.3 - external_instance_event (cast)
# 1.4 - prep_resize, resize_instance, finish_resize, confirm_resize, revert_resize,
#       finish_revert_resize (resize and cold migration)
# 1.5 - get_host_uptime, get_diagnostics, get_instance_diagnostics (calls)
# 1.6 - rebuild_instance(recreate, migration, on_shared_storage): evacuate (on the
#       destination: the instance is still on its failed source host)
# 1.7 - live_migration, live_migration_abort, live_migration_force_complete (casts);
#       pre_live_migration, post_live_migration_at_destination,
#       rollback_live_migration_at_destination (calls from the source)
# 1.8 - run_casts: several casts for this host in one message (the api's outbox sends
#       the rows of one host it publishes together this way), each with its context
VERSION = '1.8'
# The steps of a move and the side of the migration that runs each.
MOVE_STEPS = {'prep_resize': 'dest_compute', 'resize_instance': 'source_compute',
              'finish_resize': 'dest_compute', 'confirm_resize': 'source_compute',
              'revert_resize': 'dest_compute', 'finish_revert_resize': 'source_compute'}
# A live migration's calls from the source, run at once (the source waits on them) on
# the destination; its signals, run at once on the source (the live migration holds the
# instance's queue there).
LIVE_CALLS = {'pre_live_migration': 'dest_compute',
              'post_live_migration_at_destination': 'dest_compute',
              'rollback_live_migration_at_destination': 'dest_compute'}
LIVE_SIGNALS = {'live_migration_abort': 'source_compute',
                'live_migration_force_complete': 'source_compute'}
REBOOT_TYPES = ('SOFT', 'HARD')
# What run_casts never runs: the calls (their caller waits for an answer) and itself.
NOT_BATCHED = frozenset(('set_admin_password', 'get_console_output', 'get_host_uptime',
                         'get_diagnostics', 'get_instance_diagnostics', 'run_casts',
                         *LIVE_CALLS))

#: The casts whose method only checks the message and queues the operation on its
#: instance: the RPC server runs them in its listener's thread (runs_at_once), as the
#: operation itself runs on the instance's queue anyway.
QUEUES_ONLY = frozenset(('reboot_instance', 'build_and_run_instance', 'terminate_instance',
                         'rebuild_instance', *MOVE_STEPS, *actions.TABLE_ACTIONS_BY_METHOD))


def runs_at_once(message):
    """Whether the RPC server may run ``message`` (its dict: ``method``, ``args``) in the
    thread that received it (common/rpc.py RPCExecutor): a cast of QUEUES_ONLY, or a
    ``run_casts`` of only such casts. The others (the calls, a live migration's steps
    and signals, the external events) may wait on the api or the hypervisor, which would
    hold up every message behind them."""
    method = message.get('method')
    if method == 'run_casts':
        casts = (message.get('args') or {}).get('casts')
        return isinstance(casts, list) and all(
            isinstance(item, dict) and item.get('method') in QUEUES_ONLY for item in casts)
    return method in QUEUES_ONLY


class ComputeEndpoint:
    target = oslo_messaging.Target(version=VERSION)

    def __init__(self, manager, queue):
        self.manager = manager
        self.queue = queue

    def _receive(self, instance):
        try:
            instance = objects.instance_from_primitive(instance)
        except ValueError as exc:
            raise exception.InvalidRPCPayload(reason=str(exc)) from None
        if instance['host'] != self.manager.host:
            raise exception.HostMismatch(host=self.manager.host,
                                         instance_uuid=instance['uuid'])
        return instance

    def _queue(self, context, instance, operation, **kwargs):
        self.queue.submit(instance['uuid'], decorators.run_operation, operation, context,
                          instance, **kwargs)

    def run_casts(self, context, *, casts):
        """1.8: ``casts`` (``[{"method", "context", "kwargs"}]``, in the order the api
        committed them) run as if each had come alone, with its own context: an item
        that fails is logged and the others still run."""
        for item in casts:
            try:
                method = item['method']
                if method.startswith('_') or method in NOT_BATCHED:
                    raise exception.InvalidRPCPayload(reason=f'not a cast: {method!r}')
                own = cep_context.RequestContext.from_dict(item['context'])
                getattr(self, method)(own, **item['kwargs'])
            except (KeyError, TypeError, AttributeError) as exc:
                LOG.warning('Dropped a cast of a batch that is no cast: %s', exc)
            except exception.CepheidException as exc:
                LOG.warning('Cast %s of a batch refused: %s', item.get('method'), exc)
            except Exception:
                LOG.exception('Cast %s of a batch failed', item.get('method'))

    def reboot_instance(self, context, *, instance, reboot_type):
        instance = self._receive(instance)
        if reboot_type not in REBOOT_TYPES:
            raise exception.InvalidRPCPayload(reason=f'bad reboot_type {reboot_type!r}')
        if reboot_type == 'HARD' and self.manager.driver.escalate_reboot(instance['uuid']):
            LOG.info('HARD reboot of %s escalates the soft reboot in progress',
                     instance['uuid'])
        self._queue(context, instance, self.manager.reboot_instance, reboot_type=reboot_type)

    def build_and_run_instance(self, context, *, instance):
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.build_and_run_instance)

    def terminate_instance(self, context, *, instance):
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.terminate_instance)

    def _power(self, context, instance, rpc_method, **kwargs):
        instance = self._receive(instance)
        spec = actions.TABLE_ACTIONS_BY_METHOD[rpc_method]
        unknown = set(kwargs) - set(spec.driver_args)
        if unknown:
            raise exception.InvalidRPCPayload(reason=f'unknown arguments {sorted(unknown)}')
        self._queue(context, instance, self.manager.run_power_action, rpc_method=rpc_method,
                    **kwargs)

    def rebuild_instance(self, context, *, instance, preserve_ephemeral=False,
                         admin_password=None, recreate=False, on_shared_storage=None,
                         migration=None):
        if recreate:
            self._evacuate(context, instance, migration, admin_password=admin_password,
                           on_shared_storage=on_shared_storage)
            return
        instance = self._receive(instance)
        self._queue(context, instance, self.manager.rebuild_instance,
                    preserve_ephemeral=bool(preserve_ephemeral),
                    admin_password=admin_password)

    def _evacuate(self, context, instance, migration, **kwargs):
        """Nova's rebuild with ``recreate``: this host must be the evacuation's
        destination (the instance is still on its source)."""
        try:
            instance = objects.instance_from_primitive(instance)
        except ValueError as exc:
            raise exception.InvalidRPCPayload(reason=str(exc)) from None
        if not isinstance(migration, dict) or migration.get('migration_type') != \
                'evacuation' or migration.get('dest_compute') != self.manager.host:
            raise exception.HostMismatch(host=self.manager.host,
                                         instance_uuid=instance['uuid'])
        self.queue.submit(instance['uuid'], decorators.run_operation,
                          self.manager.evacuate_instance, context, instance,
                          migration=migration, **kwargs)

    def set_admin_password(self, context, *, instance, new_pass):
        """A call: runs in the instance's queue, then answers (or raises) to the api."""
        instance = self._receive(instance)
        done = concurrent.futures.Future()

        def run():
            context.update_store()
            try:
                done.set_result(self.manager.set_admin_password(context, instance,
                                                                new_pass=new_pass))
            except BaseException as exc:
                done.set_exception(exc)
        self.queue.submit(instance['uuid'], run)
        return done.result()

    def external_instance_event(self, context, *, instances, events):
        """os-server-external-events for instances of this host: the events that change
        an instance or record an action event run in its queue, the others (log lines
        only) at once."""
        by_uuid = {}
        for primitive in instances:
            instance = self._receive(primitive)
            by_uuid[instance['uuid']] = instance
        unknown = {e.get('instance_uuid') for e in events} - set(by_uuid)
        if unknown:
            raise exception.InvalidRPCPayload(
                reason=f'events for instances not sent: {sorted(map(str, unknown))}')
        for event in events:
            instance = by_uuid[event['instance_uuid']]
            if event.get('name') in external_events.QUEUED:
                self._queue(context, instance, self.manager.external_instance_event,
                            event=event)
            else:
                self.manager.external_instance_event(context, instance, event=event)

    def _move_receive(self, instance, migration, side):
        """The instance of a move's step; this host must be the migration's ``side``
        (the instance may be on the other host of the move)."""
        try:
            instance = objects.instance_from_primitive(instance)
        except ValueError as exc:
            raise exception.InvalidRPCPayload(reason=str(exc)) from None
        if not isinstance(migration, dict) or migration.get(side) != self.manager.host:
            raise exception.HostMismatch(host=self.manager.host,
                                         instance_uuid=instance['uuid'])
        return instance

    def _move(self, context, method, instance, migration, **kwargs):
        """Queue a step of a resize, cold or live migration."""
        side = 'source_compute' if method == 'live_migration' else MOVE_STEPS[method]
        instance = self._move_receive(instance, migration, side)
        self.queue.submit(instance['uuid'], decorators.run_operation,
                          getattr(self.manager, method), context, instance,
                          migration=migration, **kwargs)

    def live_migration(self, context, *, instance, migration, block_migration=None):
        """os-migrateLive on its source host: marked ``queued``, then queued, as any
        operation of the instance."""
        self.manager.live_migration_queued(
            context, self._move_receive(instance, migration, 'source_compute'), migration)
        self._move(context, 'live_migration', instance, migration,
                   block_migration=block_migration)

    def _live_now(self, context, method, sides, instance, migration, **kwargs):
        instance = self._move_receive(instance, migration, sides[method])
        return getattr(self.manager, method)(context, instance, migration=migration,
                                             **kwargs)

    def pre_live_migration(self, context, *, instance, migration, block_migration=None):
        """A call: the migrate data for the source's driver."""
        return self._live_now(context, 'pre_live_migration', LIVE_CALLS, instance,
                              migration, block_migration=block_migration)

    def post_live_migration_at_destination(self, context, *, instance, migration,
                                           migrate_data):
        self._live_now(context, 'post_live_migration_at_destination', LIVE_CALLS,
                       instance, migration, migrate_data=migrate_data)

    def rollback_live_migration_at_destination(self, context, *, instance, migration):
        self._live_now(context, 'rollback_live_migration_at_destination', LIVE_CALLS,
                       instance, migration)

    def live_migration_abort(self, context, *, instance, migration):
        self._live_now(context, 'live_migration_abort', LIVE_SIGNALS, instance, migration)

    def live_migration_force_complete(self, context, *, instance, migration):
        self._live_now(context, 'live_migration_force_complete', LIVE_SIGNALS, instance,
                       migration)

    def get_console_output(self, context, *, instance, tail_length=None):
        """A call, not queued (it only reads the log): the text, as Nova returns it."""
        instance = self._receive(instance)
        return self.manager.get_console_output(context, instance, tail_length=tail_length)

    def get_host_uptime(self, context):
        """A call: this host's ``uptime`` line."""
        return self.manager.get_host_uptime(context)

    def get_diagnostics(self, context, *, instance):
        """A call, not queued (it only reads): pre-2.48 diagnostics."""
        return self.manager.get_diagnostics(context, self._receive(instance))

    def get_instance_diagnostics(self, context, *, instance):
        """A call, not queued: the standardized (2.48) diagnostics."""
        return self.manager.get_instance_diagnostics(context, self._receive(instance))


def _power_method(rpc_method):
    """The RPC method ``rpc_method`` of a table action (its kwargs: the entry's driver_args)."""
    def method(self, context, *, instance, **kwargs):
        self._power(context, instance, rpc_method, **kwargs)
    method.__name__ = method.__qualname__ = rpc_method
    method.__doc__ = f'Queue {rpc_method} (compute.actions.TABLE_ACTIONS).'
    return method


def _move_method(method):
    def step(self, context, *, instance, migration):
        self._move(context, method, instance, migration)
    step.__name__ = step.__qualname__ = method
    step.__doc__ = f'Queue the {method} step of a resize or cold migration.'
    return step


for _method in MOVE_STEPS:
    setattr(ComputeEndpoint, _method, _move_method(_method))


# One RPC method per table action (start_instance, rescue_instance, ...): a new table entry
# needs no code here.
for _method in actions.TABLE_ACTIONS_BY_METHOD:
    setattr(ComputeEndpoint, _method, _power_method(_method))
