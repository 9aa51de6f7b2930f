"""The hub's compact timelines give back exactly the entries filed, newest ``length`` of
them, oldest first, whatever their values; the kept newest state is what was published."""

import uuid

from cepheid.api.dashboard import compact
from cepheid.api.dashboard import hub as hub_mod
from cepheid.api.dashboard import summaries


def _notification_entry():
    data = {'task_state': None, 'state': 'active', 'power_state': 'running',
            'locked': False, 'request_id': f'req-{uuid.uuid4()}'}
    return summaries.notification_entry('instance.reboot.end', data,
                                        '2026-12-02 13:40:01.123456+00:00')


def _state_entry():
    return summaries.state_entry({'updated_at': '2026-12-02T13:40:00.000001Z',
                                  'task_state': 'reboot_pending', 'vm_state': 'active',
                                  'power_state': 1, 'locked': True})


ODD_ENTRIES = [
    {'time': None, 'source': 'bus', 'what': 'x', 'request_id': None},
    {'time': '1999-12-31T23:59:59.999999Z', 'source': 'action', 'what': 'reboot requested',
     'request_id': 'req-not-a-uuid'},
    {'time': '0999-01-01T00:00:00.000000Z', 'request_id': 'REQ-1', 'what': 'ünïcode ✓'},
    {'time': '2026-13-45T00:00:00.000000Z', 'what': None, 'locked': True},
    {'time': '2026-12-02T13:40:00Z', 'n': -2 ** 70, 'm': 2 ** 63 - 1, 'f': 1.5},
    {'request_id': 'req-4C5D8E1E-0000-4000-8000-000000000000', 'nested': {'a': [1, 'b']}},
    {},
]


def test_entries_come_back_as_they_were_filed():
    codec = compact.Codec()
    for entry in [_notification_entry(), _state_entry(), *ODD_ENTRIES]:
        assert codec.unpack(codec.pack(entry)) == entry
        assert list(codec.unpack(codec.pack(entry))) == list(entry)   # key order too


def test_a_notification_entry_packs_into_a_few_dozen_bytes():
    codec = compact.Codec()
    assert len(codec.pack(_notification_entry())) <= 50


def test_a_timeline_keeps_its_newest_entries_oldest_first():
    hub = hub_mod.Hub()
    for i in range(hub_mod.TIMELINE_LENGTH + 5):
        hub.publish_entry('u1', {'n': i, 'what': 'x' * (i % 7)})
    assert [e['n'] for e in hub.timeline('u1')] == list(range(5, hub_mod.TIMELINE_LENGTH + 5))
    assert hub.timeline('other') == []


def test_the_oldest_instance_is_forgotten_past_the_limit(monkeypatch):
    monkeypatch.setattr(hub_mod, 'INSTANCES_KEPT', 2)
    hub = hub_mod.Hub()
    for name in ('a', 'b', 'c'):
        hub.publish_instance({'uuid': name, 'updated_at': None, 'task_state': None},
                             {'n': name})
    assert hub.latest('a') is None and hub.timeline('a') == []
    assert [e['n'] for e in hub.timeline('c')] == ['c']


def test_the_newest_state_is_kept_with_the_states_a_timeline_compares():
    hub = hub_mod.Hub()
    summary = summaries.from_row({
        'uuid': 'u1', 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
        'vm_state': 'active', 'task_state': 'rebooting', 'power_state': 1, 'host': 'h',
        'locked': False, 'updated_at': '2026-12-02T13:40:00.5'})
    hub.publish_instance(summary)
    latest = hub.latest('u1')
    assert latest == {k: summary[k] for k in hub_mod.LATEST_KEYS}
    assert not summaries.changed(latest, summary)
    assert summaries.changed(latest, dict(summary, task_state=None))
