"""The dashboard feed sends the instance changes queued together as one message, and every
api process's listener takes both the single and the batched form."""

from cepheid.api.dashboard import feed
from cepheid.api.dashboard import hub as hub_mod
from cepheid.api.dashboard import summaries


class RecordingNotifier:
    def __init__(self):
        self.sent = []

    def info(self, ctxt, event_type, payload):
        self.sent.append((event_type, payload))


def _row(uuid, task_state):
    return {'uuid': uuid, 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
            'vm_state': 'active', 'task_state': task_state, 'power_state': 1, 'host': 'h',
            'locked': False, 'updated_at': None, 'created_at': None}


def _summary(uuid, task_state):
    return summaries.from_row(_row(uuid, task_state))


class Committed:
    """What a committed transaction hands the publisher: its changed instance rows."""

    def __init__(self, rows):
        self.info = {feed.db_instances.CHANGED: rows}


def _publisher_with_committed(*commits):
    """A publisher (no thread) that saw ``commits`` (lists of rows), then was stopped."""
    publisher = feed.Publisher.__new__(feed.Publisher)
    publisher._notifier = RecordingNotifier()
    publisher._init_queue()
    publisher._running = True
    for rows in commits:
        publisher._committed(Committed(rows))
    publisher._running, publisher._stopping = False, True
    return publisher


def test_changes_queued_together_go_as_one_message():
    publisher = _publisher_with_committed([_row('u0', 'rebooting')],
                                          [_row('u1', 'rebooting'), _row('u2', 'rebooting')])
    publisher._run()
    changes = [_summary(f'u{n}', 'rebooting') for n in range(3)]
    assert publisher._notifier.sent == [(feed.BATCH_EVENT_TYPE, {'instances': changes})]


def test_a_lone_change_keeps_the_single_form():
    publisher = _publisher_with_committed([_row('u1', 'rebooting')])
    publisher._run()
    assert publisher._notifier.sent == [(feed.EVENT_TYPE, _summary('u1', 'rebooting'))]


def test_a_message_carries_at_most_max_batch_changes():
    rows = [_row(f'u{n}', None) for n in range(feed.MAX_BATCH + 1)]
    publisher = _publisher_with_committed(rows)
    publisher._run()
    sizes = [len(payload['instances']) if kind == feed.BATCH_EVENT_TYPE else 1
             for kind, payload in publisher._notifier.sent]
    assert sizes == [feed.MAX_BATCH, 1]


def test_a_change_committed_before_start_is_not_sent():
    publisher = _publisher_with_committed()
    publisher._running = False
    publisher._committed(Committed([_row('u1', None)]))
    publisher._run()
    assert publisher._notifier.sent == []


def test_the_listener_takes_both_forms():
    hub = hub_mod.Hub()
    endpoint = feed.Endpoint(hub)
    endpoint.info({}, 'p', feed.EVENT_TYPE, _summary('u1', 'rebooting'), {})
    endpoint.info({}, 'p', feed.BATCH_EVENT_TYPE,
                  {'instances': [_summary('u2', 'rebooting'), _summary('u3', None)]}, {})
    assert [hub.latest(u)['task_state'] for u in ('u1', 'u2', 'u3')] == [
        'rebooting', 'rebooting', None]
