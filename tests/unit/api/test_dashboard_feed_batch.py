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


def _summary(uuid, task_state):
    return summaries.from_row({
        'uuid': uuid, 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
        'vm_state': 'active', 'task_state': task_state, 'power_state': 1, 'host': 'h',
        'locked': False, 'updated_at': None, 'created_at': None})


def _publisher_with_queued(summaries):
    publisher = feed.Publisher.__new__(feed.Publisher)
    publisher._notifier = RecordingNotifier()
    publisher._queue = feed.queue.Queue()
    for summary in summaries:
        publisher._queue.put(summary)
    publisher._queue.put(None)
    return publisher


def test_changes_queued_together_go_as_one_message():
    changes = [_summary(f'u{n}', 'rebooting') for n in range(3)]
    publisher = _publisher_with_queued(changes)
    publisher._run()
    assert publisher._notifier.sent == [(feed.BATCH_EVENT_TYPE, {'instances': changes})]


def test_a_lone_change_keeps_the_single_form():
    change = _summary('u1', 'rebooting')
    publisher = _publisher_with_queued([change])
    publisher._run()
    assert publisher._notifier.sent == [(feed.EVENT_TYPE, change)]


def test_the_listener_takes_both_forms():
    hub = hub_mod.Hub()
    endpoint = feed.Endpoint(hub)
    endpoint.info({}, 'p', feed.EVENT_TYPE, _summary('u1', 'rebooting'), {})
    endpoint.info({}, 'p', feed.BATCH_EVENT_TYPE,
                  {'instances': [_summary('u2', 'rebooting'), _summary('u3', None)]}, {})
    assert [hub.latest(u)['task_state'] for u in ('u1', 'u2', 'u3')] == [
        'rebooting', 'rebooting', None]
