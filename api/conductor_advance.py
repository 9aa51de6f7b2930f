"""A begin that carries the operation's next step (conductor 1.14): one message fewer.

A reboot's compute used to call ``begin`` (the event starts, ``task_state`` goes to
``reboot_pending``), send ``instance.reboot.start`` itself, then cast ``task_advance``
(``reboot_started``) before driving the guest. From 1.14 its ``begin`` may carry that
step (``advance``) and the notification (``notify``). Once the begin commits, the api,
in the thread that committed it:

1. writes the start notification to the broker, published as that compute's
   (api/compute_notices.py), with the instance as the begin saved it
   (``reboot_pending``, as in Nova's sample);
2. then applies the advance in a transaction of its own (the advances of every begin a
   gathered transaction held share one), a compare-and-swap on ``reboot_pending`` as the
   cast's was, while the broker confirms the notification
   (``lean_notifier.gathered(meanwhile=...)``);
3. once both are done (the notification confirmed, or sent through oslo.messaging when
   the lean connection could not), answers the begin.

Each of the two waits on a round trip (the database's commit, the broker's confirm) of
about half a millisecond, and the one overlaps the other without a hand-off to another
thread. So every visible state and the start notification come before the compute
touches the guest, and before the end; the notification's payload is the pending state
the begin saved, whether or not the started one has committed by the time a consumer
reads it (in Nova too a consumer that reads the server on this notification may see
either). With ``[notifications] publisher = rpc`` oslo.messaging sends the notification
first and the advance follows. The compute sends nothing between its begin and its end.
An advance that misses (the instance was deleted, a newer task owns it) or that the
database refuses is logged and dropped, as a lost cast was: the operation's end accepts
both steps.
"""

import collections
import functools

from oslo_log import log as logging

from cepheid.api import db_errors
from cepheid.common import exception
from cepheid.common import lean_notifier

LOG = logging.getLogger(__name__)

#: session.info key, with the endpoint's id: what to do once the begins of this
#: transaction commit (each endpoint follows up its own: tests run several on one
#: database, each with its own notifier).
BEGUN = 'cepheid.begun_advances'


#: One begin's follow-up: its notification and its next step.
Advance = collections.namedtuple(
    'Advance', ('context', 'host', 'instance', 'values', 'expected', 'notify'))


def parse(advance, clean):
    """``(values, expected_task_state)`` of a begin's ``advance`` argument
    (``{"values": {...}, "expected_task_state": [...]}``); ``clean`` checks the values."""
    if not isinstance(advance, dict) or set(advance) != {'values', 'expected_task_state'}:
        raise exception.InvalidRPCPayload(
            reason='advance must be {"values": ..., "expected_task_state": [...]}')
    expected = advance['expected_task_state']
    if not isinstance(expected, list):
        raise exception.InvalidRPCPayload(reason='advance expected_task_state must be a list')
    return clean(advance['values']), expected


class AdvancingConductor:
    """Mixin of ConductorEndpoint: the follow-up of a begin that carried ``advance``.
    Needs ``db``, ``end_notifier`` (the compute notifications) and ``_advance_in``."""

    def _note_advance(self, session, context, host, instance, parsed, notify):
        """Remember, in ``session``, a begin's follow-up for after its commit."""
        values, expected = parsed
        session.info.setdefault((BEGUN, id(self)), []).append(
            Advance(context, host, instance, values, expected, notify))

    def _advance_begun(self, session):
        """on_commit callback: the follow-ups of the begins ``session`` committed."""
        begun = session.info.pop((BEGUN, id(self)), None)
        if not begun:
            return
        notifying = [item for item in begun if item.notify]
        advance = functools.partial(self._advance_all, begun)
        if self.end_notifier is None or not notifying:
            advance()
            return
        with lean_notifier.gathered(meanwhile=advance):   # one wait for the confirms
            for item in notifying:
                item.context.update_store()
                self._notify_begun(item)

    def _advance_all(self, begun):
        """The next step of each begin, in one transaction; a failure is logged."""
        try:
            with self.db.core_transaction(alone=len(begun) == 1) as advancing:
                for item in begun:
                    self._advance_in(advancing, item.host, item.instance['uuid'],
                                     item.values, item.expected)
        except db_errors.UNAVAILABLE as exc:
            LOG.warning('Next step of %d begun tasks not saved, database unavailable: %s',
                        len(begun), db_errors.brief(exc))
        except Exception:
            LOG.exception('Next step of %d begun tasks not saved', len(begun))

    def _notify_begun(self, item):
        """Send one begin's notification; a failure to build or send it is logged and
        does not keep the step from being saved."""
        action, phase, *fmt = item.notify
        try:
            self.end_notifier.notify(item.host, item.context, item.instance, action, phase,
                                     fmt[0] if fmt else None)
        except Exception:
            LOG.exception('instance.%s.%s of %s not sent', action, phase,
                          item.instance.get('uuid'))
