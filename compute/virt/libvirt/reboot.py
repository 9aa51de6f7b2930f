"""Soft and hard reboot of a libvirt guest, with Nova's soft-to-hard fallback."""

import dataclasses
import time

import libvirt
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.compute.virt.libvirt import guest
from cepheid.compute.virt.libvirt import guest_wait

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class RebootRecord:
    """How one reboot went: the path taken and its timings (seconds), for logs and tests."""

    reboot_type: str
    path: str = ''                       # 'soft', 'hard' or 'soft->hard'
    fallback_reason: str | None = None   # 'not running', 'timeout', 'escalated', an error
    old_id: int | None = None
    new_id: int | None = None
    shutdown_seconds: float | None = None
    create_seconds: float | None = None
    hard_seconds: float | None = None
    total_seconds: float | None = None
    # The guest's own part of a soft reboot: shutdown sent -> the lifecycle event after
    # which the driver found it off (or the start of the look that found it), and the
    # create() call itself.
    stopped_signal_seconds: float | None = None
    create_call_seconds: float | None = None


_UNAVAILABLE = 'libvirt unavailable'


def _tolerating_done(request):
    """Send ``request`` (shutdown, create); "operation invalid" is fine: a call that broke
    with the connection is sent again after the reconnect, and the first one may have
    landed (the guest is already off, or already running). The wait that follows checks."""
    try:
        request()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
            raise


def _down_or_restarted(state, old_id):
    if state is None or state.stopped:
        return True
    # Secondary signal: the guest went through a stop/start of its own.
    return state.running and state.id is not None and state.id != old_id


def _secs(value):
    return '-' if value is None else f'{value:.3f}'


class Rebooter:
    """Runs reboots for a LibvirtDriver (its host, waiter, conf and define_guest)."""

    def __init__(self, drv):
        self._drv = drv
        self.soft_fallbacks = 0
        self.records = {}

    def reboot(self, instance, reboot_type):
        uuid = instance['uuid']
        start = time.monotonic()
        record = RebootRecord(reboot_type=reboot_type)
        self.records[uuid] = record
        if reboot_type == 'SOFT':
            running = self._soft(instance, record)
            if running is not None:
                record.path = 'soft'
                return self._finish(uuid, record, start, running)
            self._note_fallback(instance, record)
        else:
            record.path = 'hard'
        return self._finish(uuid, record, start, self._hard(instance, record))

    def _finish(self, uuid, record, start, running):
        """``running``: the GuestState the wait for RUNNING read last (its new id)."""
        record.new_id = running.id
        record.total_seconds = time.monotonic() - start
        LOG.info('%s reboot of %s done via %s in %.3f s (shutdown %s s, create %s s, '
                 'hard %s s, domain id %s -> %s; guest: shutdown to stop signal %s s, '
                 'create call %s s)', record.reboot_type, uuid, record.path,
                 record.total_seconds, _secs(record.shutdown_seconds),
                 _secs(record.create_seconds), _secs(record.hard_seconds), record.old_id,
                 record.new_id, _secs(record.stopped_signal_seconds),
                 _secs(record.create_call_seconds))
        return record

    def _note_fallback(self, instance, record):
        self.soft_fallbacks += 1
        record.path = 'soft->hard'
        if record.fallback_reason == 'escalated':
            LOG.info('Soft reboot escalated to hard reboot', instance=instance)
        elif record.fallback_reason == 'not running':
            LOG.info('Instance is not running; doing a hard reboot', instance=instance)
        elif record.fallback_reason == _UNAVAILABLE:
            LOG.warning('libvirt was unavailable during the soft reboot; trying a hard '
                        'reboot', instance=instance)
        else:
            LOG.warning('Failed to soft reboot instance. Trying hard reboot.',
                        instance=instance)

    # -- soft ----------------------------------------------------------------------
    def _soft(self, instance, record):
        """Shut the guest down and start it again: its RUNNING GuestState, or None for
        "do a hard reboot"."""
        uuid = instance['uuid']
        try:
            with self._drv.waiter.waiting(uuid, escalatable=True) as wait:
                stopped, state = self._shutdown_and_wait(uuid, wait, record)
                if not stopped:
                    return None
            return self._start_after_shutdown(uuid, record, state)
        except exception.HypervisorUnavailable:
            # libvirtd stayed away longer than [libvirt] reconnect_timeout: the hard
            # reboot waits for it once more, then brings the guest back whatever it did.
            record.fallback_reason = _UNAVAILABLE
            return None
        except (libvirt.libvirtError, exception.InstanceDriverNotFound) as exc:
            LOG.warning('Error during soft reboot: %s', exc, instance=instance)
            record.fallback_reason = str(exc)
            return None

    def _shutdown_and_wait(self, uuid, wait, record):
        """``(True, the GuestState that ended the wait)`` once the guest is down (or
        restarted by itself); ``(False, None)`` (the fallback reason recorded) otherwise."""
        before = guest.find_state(self._drv.host, uuid)
        if before is None or not before.running:
            record.fallback_reason = 'not running'
            return False, None
        record.old_id = before.id
        start = time.monotonic()
        _tolerating_done(lambda: guest.call(self._drv.host, uuid, 'shutdown'))
        result, state = self._drv.read_until(
            wait, uuid, lambda state: _down_or_restarted(state, before.id),
            self._drv.conf.libvirt.wait_soft_reboot_seconds)
        if result is not guest_wait.WaitResult.REACHED:
            record.fallback_reason = result.value
            return False, None
        record.shutdown_seconds = time.monotonic() - start
        record.stopped_signal_seconds = wait.signalled_at - start
        return True, state

    def _start_after_shutdown(self, uuid, record, state):
        """Start the guest the wait found down (``state``, just read); its RUNNING
        GuestState, or None."""
        start = time.monotonic()
        if state is None:
            raise exception.InstanceDriverNotFound(instance_uuid=uuid)
        if state.running:
            LOG.info('Instance %s may have been rebooted during soft reboot', uuid)
        else:
            called = time.monotonic()
            _tolerating_done(lambda: guest.call(self._drv.host, uuid, 'create'))
            record.create_call_seconds = time.monotonic() - called
        running = self._drv.wait_for_running(uuid)
        if running is None:
            record.fallback_reason = 'not running after start'
            return None
        record.create_seconds = time.monotonic() - start
        return running

    # -- hard ----------------------------------------------------------------------
    def _hard(self, instance, record):
        """Destroy (keeping disks), redefine from fresh XML, start, wait for RUNNING: the
        RUNNING GuestState."""
        uuid = instance['uuid']
        start = time.monotonic()
        try:
            guest.destroy(self._drv.host, uuid)
            guest.undefine(self._drv.host, uuid)
            self._drv.define_guest(instance)
            _tolerating_done(lambda: guest.call(self._drv.host, uuid, 'create'))
            running = self._drv.wait_for_running(uuid)
        except exception.HypervisorUnavailable as exc:
            raise exception.InstanceRebootFailure(reason=exc.format_message()) from exc
        except (libvirt.libvirtError, exception.InstanceDriverNotFound) as exc:
            raise exception.InstanceRebootFailure(reason=str(exc)) from exc
        if running is None:
            raise exception.InstanceRebootFailure(
                reason='guest not running after %d s' % self._drv.conf.libvirt.wait_running_seconds)
        record.hard_seconds = time.monotonic() - start
        return running
