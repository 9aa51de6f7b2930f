"""The dashboard's in-process fan-out: every stream gets every event, the table keeps the
newest state while late ones still reach the timeline, a stalled stream is dropped and
closing the hub ends every stream."""

import threading

from cepheid.api.dashboard import hub as hub_mod


def _summary(updated_at, task_state):
    return {'uuid': 'u1', 'updated_at': updated_at, 'task_state': task_state}


def _drain(sub):
    events = []
    while (event := sub.get(0)) is not None:
        events.append(event)
    return events


def test_every_subscriber_gets_every_event():
    hub = hub_mod.Hub()
    a, b = hub.subscribe(), hub.subscribe()
    hub.publish_instance(_summary('2026-01-01T00:00:01.000000Z', 'rebooting'), {'n': 1})
    for sub in (a, b):
        assert [e['type'] for e in _drain(sub)] == ['instance', 'timeline']


def test_a_late_older_state_only_adds_its_timeline_entry():
    hub = hub_mod.Hub()
    sub = hub.subscribe()
    assert hub.publish_instance(_summary('2026-01-01T00:00:02.000000Z', 'reboot_started'),
                                {'n': 2})
    assert not hub.publish_instance(_summary('2026-01-01T00:00:01.000000Z', 'reboot_pending'),
                                    {'n': 1})
    events = _drain(sub)
    assert [e['type'] for e in events] == ['instance', 'timeline', 'timeline']
    assert hub.latest('u1')['task_state'] == 'reboot_started'
    assert [e['n'] for e in hub.timeline('u1')] == [2, 1]


def test_a_stalled_stream_is_dropped_and_told(monkeypatch):
    monkeypatch.setattr(hub_mod, 'CLIENT_QUEUE', 2)
    hub = hub_mod.Hub()
    stalled = hub.subscribe()
    for i in range(3):
        hub.publish_entry('u1', {'n': i})
    assert stalled.overflowed and hub.subscriber_count == 0
    assert len(_drain(stalled)) == 2


def test_closing_the_hub_ends_open_streams_and_waits_for_them():
    hub = hub_mod.Hub()
    sub = hub.subscribe()
    got = []

    def stream():   # what handlers._stream does: wait, see CLOSED, close its subscription
        got.append(sub.get(10))
        sub.close()

    reader = threading.Thread(target=stream)
    reader.start()
    hub.close(timeout=10)
    assert got == [hub_mod.Hub.CLOSED] and sub.closed     # close() returned after the end
    reader.join()
    assert hub.closed and hub.subscriber_count == 0


def test_deleting_forgets_the_instance():
    hub = hub_mod.Hub()
    sub = hub.subscribe()
    hub.publish_instance(_summary('2026-01-01T00:00:01.000000Z', None), {'n': 1})
    hub.publish_deleted('u1')
    assert _drain(sub)[-1] == {'type': 'deleted', 'uuid': 'u1'}
    assert hub.latest('u1') is None and hub.timeline('u1') == []
