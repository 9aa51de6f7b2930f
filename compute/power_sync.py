"""Power-state sync: the hypervisor's power state copied into the DB and reconciled.

Nova's ``_sync_power_states`` periodic task and ``handle_lifecycle_event``: every
``[DEFAULT] sync_power_state_interval`` seconds for each instance of the host, and on each
driver lifecycle event for its instance, the instance is re-read, its guest's power state
saved, and a mismatch reconciled as Nova's ``_sync_instance_power_state`` does (``plan``).

A sync goes through the per-instance queue, so it is serialized with the actions. It skips
an instance with a task in progress, and its only write is a CAS on task_state None and
the vm_state it read, so it never touches an instance mid-task. Lifecycle events that
arrive while an operation of this compute runs on the instance are ignored (the operation
saves the fresh power state itself; a reboot emits SHUTDOWN then RUNNING). SHUTDOWN events
wait ``[DEFAULT] lifecycle_event_delay`` seconds and are dropped when the guest reports
another state meanwhile (a reboot inside the guest), as Nova's libvirt driver delays
STOPPED events.
"""

import enum
import threading

from oslo_log import log as logging

from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import jitter
from cepheid.common import states
from cepheid.compute import actions
from cepheid.compute import decorators

LOG = logging.getLogger(__name__)

STOP = actions.POWER_ACTIONS['os-stop']
_OFF = (states.NOSTATE, states.SHUTDOWN, states.CRASHED)
# The instance changed under the sync: log and leave it to whoever changed it.
_MOVED_ON = (*decorators.HANDS_OFF, exception.InstanceInvalidState)


class Step(enum.Enum):
    SAVE = 'save'    # copy the guest's power_state (when it differs)
    STOP = 'stop'    # stop the instance, as Nova's sync calls the stop API


def plan(vm_state, power_state):
    """What the sync does with an idle instance in ``vm_state`` whose guest is ``power_state``.

    Nova's rules: an active instance whose guest shut down, crashed or got suspended by
    itself is stopped; a stopped one whose guest is not off is stopped again (Nova's
    force_stop); a paused one whose guest shut down or crashed is stopped. Everything else
    (an active guest found paused or missing; building, rescued, suspended, error) only
    gets its power_state copied.
    """
    if vm_state == states.ACTIVE and power_state in (
            states.SHUTDOWN, states.CRASHED, states.SUSPENDED_POWER):
        return Step.STOP
    if vm_state == states.STOPPED and power_state not in _OFF:
        return Step.STOP
    if vm_state == states.PAUSED and power_state in (states.SHUTDOWN, states.CRASHED):
        return Step.STOP
    return Step.SAVE


class PowerStateSync:
    """The periodic sync and the lifecycle event listener of one compute service."""

    def __init__(self, conf, manager, queue):
        self.conf = conf
        self.manager = manager
        self.queue = queue
        self._stopped = threading.Event()
        self._thread = None
        self._lock = threading.Lock()
        self._timers = {}       # uuid -> Timer of a delayed SHUTDOWN event
        self._queued = set()    # uuids with a sync waiting in the queue (coalesced)

    # -- periodic task ---------------------------------------------------------------
    def start(self):
        interval = self.conf.sync_power_state_interval
        if interval <= 0:
            LOG.info('Periodic power-state sync disabled')
            return
        self._thread = threading.Thread(target=self._loop, args=(interval,),
                                        name=f'power-sync-{self.manager.host}', daemon=True)
        self._thread.start()

    def stop(self):
        self._stopped.set()
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()

    def _loop(self, interval):
        delay = jitter.first_delay(interval)
        while not self._stopped.wait(delay):
            delay = interval
            try:
                self.sync_all()
            except Exception:
                LOG.exception('Power-state sync of host %s failed', self.manager.host)

    def sync_all(self):
        """Queue a sync of each idle instance of this host that looks out of sync.

        The listing is only a filter (the queued sync re-reads the instance), so an
        instance in sync costs no further call. Returns the uuids queued.
        """
        admin = cep_context.get_admin_context()
        queued = []
        for instance in self.manager.conductor.instances_on_host(admin):
            if instance['task_state'] is None and self._out_of_sync(instance):
                self.submit(instance['uuid'])
                queued.append(instance['uuid'])
        return queued

    def _out_of_sync(self, instance):
        try:
            power_state = self.manager.get_power_state(instance)
        except Exception as exc:
            LOG.warning('Cannot read the power state of %s: %s', instance['uuid'], exc)
            return False
        return (power_state != instance['power_state']
                or plan(instance['vm_state'], power_state) is Step.STOP)

    def submit(self, instance_uuid):
        """Queue one sync of ``instance_uuid`` unless one already waits."""
        with self._lock:
            if instance_uuid in self._queued:
                return
            self._queued.add(instance_uuid)
        self.queue.submit(instance_uuid, self.sync_instance, instance_uuid)

    # -- lifecycle events ----------------------------------------------------------------
    def handle_event(self, instance_uuid, power_state):
        """The driver's listener: ``(uuid, power_state)`` of a guest that changed."""
        with self._lock:
            pending = self._timers.pop(instance_uuid, None)
        if pending is not None:
            pending.cancel()    # the guest came back (or changed again) within the delay
        if self._stopped.is_set() or self.queue.busy(instance_uuid):
            return
        delay = self.conf.lifecycle_event_delay
        if power_state != states.SHUTDOWN or delay <= 0:
            self.submit(instance_uuid)
            return
        timer = threading.Timer(delay, self._delayed, args=(instance_uuid,))
        timer.daemon = True
        with self._lock:
            self._timers[instance_uuid] = timer
        timer.start()

    def _delayed(self, instance_uuid):
        with self._lock:
            if self._timers.pop(instance_uuid, None) is None:
                return
        self.submit(instance_uuid)

    # -- one instance (runs on its queue) --------------------------------------------------
    def sync_instance(self, instance_uuid):
        """Sync one instance; returns the Step taken, or None when it was skipped."""
        with self._lock:
            self._queued.discard(instance_uuid)
        context = cep_context.get_admin_context()
        try:
            instance = self.manager.conductor.instance_get(context, instance_uuid)
        except (exception.InstanceNotFound, exception.HostMismatch):
            return None     # deleted or moved away since
        if instance['task_state'] is not None:
            LOG.info('During sync_power_state instance %s has a pending task (%s). Skip.',
                     instance_uuid, instance['task_state'])
            return None
        power_state = self.manager.get_power_state(instance)
        step = plan(instance['vm_state'], power_state)
        try:
            if step is Step.STOP:
                self._stop_instance(context, instance, power_state)
            elif power_state != instance['power_state']:
                LOG.info('Instance %s: DB power_state %s, hypervisor %s; updating the DB',
                         instance_uuid, instance['power_state'], power_state)
                self.manager.conductor.power_state_sync(
                    context, instance_uuid, values={'power_state': power_state},
                    expected_vm_state=instance['vm_state'])
        except _MOVED_ON as exc:
            LOG.info('Instance %s moved on during the power-state sync: %s',
                     instance_uuid, exc)
            return None
        return step

    def _stop_instance(self, context, instance, power_state):
        """Record a ``stop`` action, then run the table's stop operation right here."""
        LOG.warning('Instance %s is %s but its guest is %s: calling stop', instance['uuid'],
                    instance['vm_state'], states.POWER_STATE_NAMES.get(power_state))
        instance = self.manager.conductor.power_state_sync(
            context, instance['uuid'],
            values={'task_state': STOP.task_state, 'power_state': power_state},
            expected_vm_state=instance['vm_state'], action=STOP.action)
        decorators.run_operation(self.manager.run_power_action, context, instance,
                                 rpc_method=STOP.rpc_method)
