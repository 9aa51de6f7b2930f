"""Group commit across computes on the api's steps consumer: the step messages a consumer
thread holds at once, applied in one transaction.

A compute already sends what became ready while its previous report was in flight as one
``report_batch`` (compute/report_batcher.py); with many hosts and few operations each,
every message carries one step. A steps consumer thread (api/steps_consumer.py) reads
whatever the broker has already delivered to it (up to its prefetch) before it runs
anything; the steps among those messages (``begin``, ``task_advance``, ``task_update``,
``task_finish``, ``task_end`` and ``report_batch``) from any computes are applied by
``ConductorEndpoint.gathered_steps`` in one transaction, each item still its own
compare-and-swap with its own answer. One message alone runs as before: at one
operation in flight nothing waits, under load a commit carries many steps.
"""

from oslo_messaging import _utils as messaging_utils

from cepheid.api import conductor
from cepheid.api import conductor_batch

#: The methods whose messages may share a transaction.
GATHERED = frozenset((*conductor_batch.BATCHED, 'report_batch'))


def compatible(request):
    """Whether ``request`` (an rpc_envelope.Request) is for the conductor's own namespace
    at a version it serves."""
    return (request.namespace is None
            and messaging_utils.version_is_compatible(conductor.VERSION, request.version))


def gatherable(request):
    """Whether ``request`` may join a shared transaction: a compatible step, well formed
    enough to split into items (anything else runs alone, answered as before)."""
    if request.method not in GATHERED or not compatible(request):
        return False
    if not isinstance(request.args.get('host'), str):
        return False
    if request.method == 'report_batch':
        items = request.args.get('items')
        return (set(request.args) == {'host', 'items'} and isinstance(items, list)
                and 0 < len(items) <= conductor_batch.MAX_ITEMS)
    return True


def _reports(request):
    """The ``(host, item)`` pairs of one gatherable message."""
    args = dict(request.args)
    host = args.pop('host')
    if request.method == 'report_batch':
        return [(host, item) for item in args['items']]
    return [(host, {'method': request.method, 'context': request.context, 'args': args})]


def apply(endpoint, requests):
    """Apply the steps of ``requests`` in one transaction.

    Returns one ``(result, exception)`` per request, as ``steps_consumer.answer`` gives
    for a message run alone: a ``report_batch`` answers the list of its items' replies, a
    single step its result or its error. A database outage (or any error escaping the
    shared transaction and its one-by-one retry) raises: the caller then runs each message
    alone, as it would have.
    """
    reports, spans = [], []
    for request in requests:
        pairs = _reports(request)
        spans.append((len(reports), len(pairs)))
        reports.extend(pairs)
    replies = endpoint.gathered_steps(reports)
    answers = []
    for request, (start, count) in zip(requests, spans, strict=True):
        mine = replies[start:start + count]
        if request.method == 'report_batch':
            answers.append(([endpoint.reply_of(reply) for reply in mine], None))
        elif isinstance(mine[0], Exception):
            answers.append((None, conductor.database_unavailable(mine[0]) or mine[0]))
        else:
            answers.append((mine[0], None))
    return answers
