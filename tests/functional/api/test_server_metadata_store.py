"""InstanceStore.update_metadata: a change made meanwhile by another writer is not lost."""

import pytest

from cepheid.api.db import instances as db_instances
from cepheid.api.db import store as db_store
from cepheid.common import exception
from cepheid.common import states
from tests.functional.api import fakes


def test_a_concurrent_change_is_kept_and_ours_reapplied(db):
    store = db_store.InstanceStore(db, service_down_time=60)
    uuid = fakes.make_instance(db, meta={'a': '1'})['uuid']
    seen = []

    def change(meta):
        seen.append(dict(meta))
        if len(seen) == 1:  # another api worker writes between our read and our write
            with db.transaction() as session:
                db_instances.update(session, uuid, {'meta': {**meta, 'theirs': 'x'}})
        return {**meta, 'ours': 'y'}

    saved = store.update_metadata(uuid, change, vm_states=(states.ACTIVE,))
    assert saved['meta'] == {'a': '1', 'theirs': 'x', 'ours': 'y'}
    assert seen == [{'a': '1'}, {'a': '1', 'theirs': 'x'}]


def test_a_server_with_a_task_is_refused(db):
    store = db_store.InstanceStore(db, service_down_time=60)
    uuid = fakes.make_instance(db, task_state=states.REBOOTING)['uuid']
    with pytest.raises(exception.UnexpectedTaskStateError):
        store.update_metadata(uuid, lambda meta: {'k': 'v'}, vm_states=(states.ACTIVE,))
