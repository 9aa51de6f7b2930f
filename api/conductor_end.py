"""The end of an operation as a cast (conductor 1.12 ``task_end``): nobody waits for it.

A compute whose operation succeeded sends its end state as a cast instead of the
``task_finish`` call when the api advertised 1.12 (``[DEFAULT] conductor_finish_cast``).
It is applied idempotently in one transaction: the event of the request is finished by
its id first, and only the delivery that finished it goes on — a duplicate (a
redelivery, the compute's re-send after a watchdog re-send) or a late one (the watchdog
already ended the task and finished the event) changes nothing. Then the end state is
saved with a compare-and-swap on the operation's own task_states (a newer task owning
the instance keeps it), and the operation's end notification (``instance.reboot.end``)
is sent after the commit, with the compute's publisher, from the row just saved: a
consumer that sees it reads the end state, as after the call. On PostgreSQL the event's
finish, the action's and the end state are one statement (api/db/fused_steps.py),
committed on its own (api/db/prebuilt.py); when its compare-and-swap misses, the reads
that say why run after that commit: a newer task owns the instance either way.

Ordering: a next operation on the instance cannot overtake the end. The api accepts an
operation whose states the end's CAS expects only once the end is committed (a soft
reboot needs task_state None), and an operation accepted before (a HARD reboot, a
delete) moves task_state out of those states, so the end's CAS misses whichever of the
two the api applies first. The compute's own next read of the instance (``instance_get``:
a power-update event, the power-state sync) carries the end it cast shortly before,
applied first, so it never reads the state before the end.

A lost cast leaves the task to the watchdog: past ``reboot_timeout`` it re-sends the
request to the host (the compute that remembers sending this end sends it again, as a
call; else it redoes the reboot) or, host down, ends the task and finishes the open
event.
"""

from oslo_log import log as logging

from cepheid.api.db import actions as db_actions
from cepheid.api.db import fused_steps
from cepheid.common import exception
from cepheid.common import lean_notifier
from cepheid.common import objects

LOG = logging.getLogger(__name__)

#: session.info key: ``(context, instance, action, phase, host, format)`` to notify
#: after the commit.
NOTICES = 'cepheid.end_notices'


class EndConductor:
    """Mixin of ConductorEndpoint: ``task_end`` and its batched form; needs ``_clean``,
    ``_save_end_state`` and ``end_notifier`` (an ``api.compute_notices.HostNotifiers``
    or None: no notification)."""

    end_notifier = None

    def task_end(self, context, *, host, instance_uuid, event, event_id, values,
                 expected_task_state, notify=None):
        """1.12: the end of the operation whose event (``event``, ``event_id``) succeeded
        (see the module docstring); ``notify``: ``[action, phase, the compute's
        notification_format]`` of its notification.
        Returns True when this delivery applied it, False for a duplicate or late one."""
        values = self._clean(values)
        with self.db.core_transaction(alone=True) as session:
            return self._end_in(session, context, host, instance_uuid, event, event_id,
                                values, expected_task_state, notify)

    def _end_in(self, session, context, host, instance_uuid, event, event_id, values,
                expected_task_state, notify):
        instance = None
        if values and fused_steps.usable(session):
            # One statement; {}: the event finished and the CAS missed (said below).
            instance = fused_steps.end(session, instance_uuid=instance_uuid,
                                       event_id=event_id, host=host, values=values,
                                       expected_task_state=expected_task_state)
            finished = instance is not None
        else:
            finished = db_actions.event_finish_by_id(session, event_id, result='Success')
        if not finished:
            LOG.info('End of request %s on %s already applied (or the task was ended): '
                     'ignored', context.request_id, instance_uuid)
            return False
        try:
            if not instance:
                _saved, instance = self._save_end_state(session, host, instance_uuid,
                                                        values, expected_task_state)
        except (exception.InstanceNotFound, exception.HostMismatch) as exc:
            # The event still finishes (it is this request's); nothing to notify of.
            LOG.info('End state of %s not saved: %s', instance_uuid, exc)
            return True
        if notify:
            action, phase, *fmt = notify
            session.info.setdefault(NOTICES, []).append(
                (context, objects.instance_to_primitive(instance), action, phase, host,
                 fmt[0] if fmt else None))
        return True

    def _batched_task_end(self, session, context, host, *, instance_uuid, event, event_id,
                          values, expected_task_state, notify=None):
        return self._end_in(session, context, host, instance_uuid, event, event_id,
                            self._clean(values), expected_task_state, notify)

    def _send_end_notices(self, session):
        """on_commit callback: the notifications of the ends this transaction saved."""
        if self.end_notifier is None:
            return
        notices = session.info.pop(NOTICES, None)
        if not notices:
            return
        with lean_notifier.gathered():          # one wait for the broker's confirms
            for context, instance, action, phase, host, fmt in notices:
                self.end_notifier.notify(host, context, instance, action, phase, fmt)

