"""Group commit on the conductor: a compute's state reports applied as one transaction.

A compute sends what became ready while its previous report was in flight as one
``report_batch`` message (RPC 1.4). Each item is still its own compare-and-swap with its
own result — a miss or a domain error answers that item only — and the batch commits
once. A database error that is not an outage aborts the shared transaction; the items
are then applied one transaction each, so one bad item cannot fail its neighbours.
A database outage fails the whole call (ServiceUnavailable: the compute retries it; every
item is idempotent). The api's steps consumer gathers the step messages of many computes
it holds at once into one such transaction as well (``gathered_steps``).
"""

from oslo_log import log as logging

from cepheid.api import db_errors
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import rpc

LOG = logging.getLogger(__name__)

#: The methods a batch may carry: the steps of an operation a compute reports.
BATCHED = ('begin', 'task_advance', 'task_update', 'task_finish', 'task_end')
#: the steps whose first statement writes all or nothing and needs no later one undone
#: (a fused begin or end, a lone compare-and-swap): alone in a transaction, it may
#: commit on its own (Database.core_transaction's ``alone``). Not ``task_finish``: its
#: end state, its event's finish and its fault are one unit.
ALONE_FIRST = frozenset(('begin', 'task_advance', 'task_update', 'task_end'))
MAX_ITEMS = 256


def _instance_of(step):
    """The instance a prepared step names ('' for an item refused as malformed)."""
    args = step[2]
    return str(args.get('instance_uuid') or '') if isinstance(args, dict) else ''


class BatchingConductor:
    """Mixin of ConductorEndpoint: ``report_batch`` and the per-item steps it runs."""

    def report_batch(self, context, *, host, items):
        """Apply ``items`` (``[{"method", "context", "args"}]``) in one transaction.

        Returns one ``{"result": ...}`` or ``{"error": ...}`` per item, in order.
        """
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise exception.InvalidRPCPayload(reason='items must be a list of at most '
                                              f'{MAX_ITEMS}')
        replies = self._apply_reports([(host, item) for item in items])
        return [self.reply_of(reply) for reply in replies]

    def gathered_steps(self, reports):
        """Apply ``reports`` — ``(host, item)`` pairs, from any number of computes — in one
        transaction, as ``report_batch`` applies one compute's items: the api's steps
        consumer gathers the messages it holds into one (api/steps_gather.py).
        Returns each item's result, or the exception that is its answer, in order.
        (``report_batch`` calls ``_apply_reports`` itself: each RPC method is timed once,
        api/observed_conductor.py.)"""
        return self._apply_reports(reports)

    def _apply_reports(self, reports):
        """Apply in one transaction, in the order of the instances they name (a stable
        sort: each instance's steps keep their order, and any two batches lock the
        instances' rows in the same order, so they never deadlock each other)."""
        prepared = [(host, self._prepare_item(item)) for host, item in reports]
        order = sorted(range(len(prepared)), key=lambda i: _instance_of(prepared[i][1]))
        replies = [None] * len(prepared)
        alone = len(prepared) == 1 and prepared[0][1][0] in ALONE_FIRST
        try:
            with self.db.core_transaction(alone=alone) as session:
                for i in order:
                    replies[i] = self._apply_item(session, *prepared[i])
        except db_errors.UNAVAILABLE:
            raise
        except Exception as exc:
            hosts = sorted({host for host, _ in reports})
            LOG.warning('Batch of %d reports from %s failed as a whole (%s); applying '
                        'them one by one', len(reports), ', '.join(hosts), exc)
            for i in order:
                replies[i] = self._apply_alone(*prepared[i])
        return replies

    @staticmethod
    def _prepare_item(item):
        """``(method, context, args)`` or the item's own InvalidRPCPayload."""
        try:
            method, args = item['method'], dict(item['args'])
            if method not in BATCHED:
                raise exception.InvalidRPCPayload(reason=f'not batchable: {method!r}')
            context = cep_context.RequestContext.from_dict(item['context'])
        except exception.InvalidRPCPayload as exc:
            return (None, None, exc)
        except (KeyError, TypeError, ValueError) as exc:
            return (None, None, exception.InvalidRPCPayload(reason=f'bad item: {exc}'))
        return (method, context, args)

    def _apply_item(self, session, host, step):
        """One item inside ``session``: its result, or the domain error it raised."""
        method, context, args = step
        if method is None:
            return args
        try:
            return getattr(self, f'_batched_{method}')(session, context, host, **args)
        except exception.CepheidException as exc:
            return exc

    def _apply_alone(self, host, step):
        """One item in its own transaction; any error is that item's answer."""
        try:
            with self.db.core_transaction(alone=step[0] in ALONE_FIRST) as session:
                return self._apply_item(session, host, step)
        except db_errors.UNAVAILABLE:
            raise
        except Exception as exc:
            LOG.exception('Report %s from %s failed', step[0], host)
            return exc

    @staticmethod
    def reply_of(reply):
        """One item's answer in a ``report_batch`` reply."""
        if isinstance(reply, Exception):
            return {'error': rpc.error_to_primitive(reply)}
        return {'result': reply}

    # -- the steps, inside the batch's session -------------------------------------
    def _batched_begin(self, session, context, host, *, instance_uuid, event, values,
                       expected_task_state, advance=None, notify=None):
        values = self._clean(values)
        reply, missed = self._begin_in(session, context, host, instance_uuid, event,
                                       values, expected_task_state, advance, notify)
        if missed is not None:
            return missed
        return reply

    def _batched_task_update(self, session, context, host, *, instance_uuid, values,
                             expected_task_state):
        return self._update_in(session, host, instance_uuid, self._clean(values),
                               expected_task_state)

    def _batched_task_advance(self, session, context, host, *, instance_uuid, values,
                              expected_task_state):
        self._advance_in(session, host, instance_uuid, self._clean(values),
                         expected_task_state)

    def _batched_task_finish(self, session, context, host, *, instance_uuid, event, result,
                             values=None, expected_task_state=None, traceback=None,
                             fault=None, event_id=None):
        return self._finish_in(session, context, host, instance_uuid, event, result,
                               self._clean(values or {}), expected_task_state, traceback,
                               fault, event_id)
