"""What a restarted compute redoes of a resize or cold migration it took part in."""

import pytest

from cepheid.common import states
from cepheid.compute import resize_recovery

MIGRATION = {'source_compute': 'src', 'dest_compute': 'dst'}


@pytest.mark.parametrize('task, status, on, host, expected', [
    (states.RESIZE_PREP, 'pre-migrating', 'src', 'dst', ('prep_resize', 'dst')),
    (states.RESIZE_PREP, 'pre-migrating', 'src', 'src', None),
    (states.RESIZE_MIGRATING, 'migrating', 'src', 'src', ('resize_instance', 'src')),
    (states.RESIZE_MIGRATING, 'migrating', 'src', 'dst', None),
    (states.RESIZE_MIGRATED, 'post-migrating', 'dst', 'dst', ('finish_resize', 'dst')),
    (states.RESIZE_MIGRATED, 'post-migrating', 'dst', 'src', ('finish_resize', 'dst')),
    (states.RESIZE_FINISH, 'post-migrating', 'dst', 'dst', ('finish_resize', 'dst')),
    (states.RESIZE_FINISH, 'post-migrating', 'dst', 'src', None),
    (None, 'finished', 'dst', 'src', None),
    (None, 'confirming', 'dst', 'src', ('confirm_resize', 'src')),
    (None, 'confirming', 'dst', 'dst', None),
    (states.RESIZE_REVERTING, 'reverting', 'dst', 'dst', ('revert_resize', 'dst')),
    (states.RESIZE_REVERTING, 'reverting', 'src', 'src', ('finish_revert_resize', 'src')),
    (states.RESIZE_REVERTING, 'reverting', 'dst', 'src', None),
])
def test_plan(task, status, on, host, expected):
    migration = dict(MIGRATION, status=status)
    instance = {'task_state': task, 'host': on}
    assert resize_recovery.plan(migration, instance, host) == expected


@pytest.mark.parametrize('vm, task, status', [
    (states.ACTIVE, states.RESIZE_PREP, 'RESIZE'),
    (states.STOPPED, states.RESIZE_FINISH, 'RESIZE'),
    (states.RESIZED, None, 'VERIFY_RESIZE'),
    (states.RESIZED, states.RESIZE_REVERTING, 'REVERT_RESIZE'),
])
def test_rest_status_of_a_move(vm, task, status):
    assert states.status_from_state(vm, task) == status


@pytest.mark.parametrize('task, status, host, expected', [
    (states.MIGRATING, 'accepted', 'src', ('live_migration', 'src')),
    (states.MIGRATING, 'preparing', 'src', ('recover_live_migration', 'src')),
    (states.MIGRATING, 'running', 'src', ('recover_live_migration', 'src')),
    (states.MIGRATING, 'post-migrating', 'src', ('recover_live_migration', 'src')),
    # The destination waits for its source.
    (states.MIGRATING, 'running', 'dst', None),
    # Not migrating any more: nothing to redo.
    (None, 'running', 'src', None),
])
def test_live_migration_plan(task, status, host, expected):
    migration = dict(MIGRATION, status=status, migration_type='live-migration')
    instance = {'task_state': task, 'host': 'src'}
    assert resize_recovery.plan(migration, instance, host) == expected


@pytest.mark.parametrize('on, host, expected', [
    # The destination took the server; its source died before completing the migration.
    ('dst', 'src', ('recover_live_migration', 'src')),
    ('dst', 'dst', None),
    # Still on the source with no task: not this migration's business any more.
    ('src', 'src', None),
])
def test_live_migration_plan_after_the_destination_took_it(on, host, expected):
    migration = dict(MIGRATION, status='post-migrating', migration_type='live-migration')
    instance = {'task_state': None, 'host': on}
    assert resize_recovery.plan(migration, instance, host) == expected
