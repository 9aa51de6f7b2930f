"""Nova's power-update rules: which reported power states change an instance."""

import pytest

from cepheid.compute import external_events

NOOP = external_events.ExternalEvents._power_update_noop


@pytest.mark.parametrize('vm_state, task_state, target, reason', [
    ('active', None, 'POWER_OFF', None),
    ('stopped', None, 'POWER_ON', None),
    ('active', None, 'POWER_ON', 'vm_state active'),
    ('stopped', None, 'POWER_OFF', 'vm_state stopped'),
    ('paused', None, 'POWER_OFF', 'vm_state paused'),
    ('active', 'rebooting', 'POWER_OFF', 'task_state rebooting'),
    ('active', None, 'BOGUS', 'vm_state active'),
])
def test_power_update_applies_only_to_an_idle_instance_in_the_other_state(
        vm_state, task_state, target, reason):
    assert NOOP({'vm_state': vm_state, 'task_state': task_state}, target) == reason


def test_event_key_is_name_and_tag():
    assert external_events.key({'name': 'network-changed', 'tag': None}) == 'network-changed'
    assert external_events.key({'name': 'power-update', 'tag': 'POWER_ON'}) == \
        'power-update-POWER_ON'
