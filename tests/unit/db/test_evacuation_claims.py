"""An evacuation gives back each host's claim exactly once, whichever comes first: the
destination's hand-over or the source's clean-up; a failure gives back the destination's,
a delete mid-evacuation leaves the source's clean-up nothing to give back."""

import pytest

from cepheid.api.conductor import ConductorEndpoint
from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import evacuations as db_evacuations
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import states
from tests.fixtures import local_stack

FLAVOR = {'flavor_id': '1', 'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
          'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'flavor_extra_specs': {}}


@pytest.fixture
def stack():
    stack = local_stack.LocalStack()
    with stack.db.transaction() as session:
        for host in ('src', 'dst'):
            db_nodes.report(session, host=host, resources={
                'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40})
            assert db_nodes.claim(session, host=host, vcpus=1, memory_mb=512, disk_gb=1)
    return stack


@pytest.fixture
def evacuation(stack):
    instance = stack.make_instance(host='src', node='src', vm_state=states.ACTIVE,
                                   task_state=states.REBUILDING)
    with stack.db.transaction() as session:
        migration = db_migrations.create(session, {
            'instance_uuid': instance['uuid'], 'migration_type': 'evacuation',
            'status': 'accepted', 'source_compute': 'src', 'source_node': 'src',
            'dest_compute': 'dst', 'dest_node': 'dst', 'old_flavor': FLAVOR,
            'new_flavor': FLAVOR})
    return instance, migration


def _used(stack):
    with stack.db.transaction() as session:
        return {n['host']: n['memory_mb_used'] for n in db_nodes.get_all(session)}


def _status(stack, migration):
    with stack.db.transaction() as session:
        return db_migrations.get(session, migration['id'])['status']


def _step(stack, instance, migration, **kwargs):
    endpoint = ConductorEndpoint(stack.db)
    return endpoint.evacuation_step(cep_context.get_admin_context(), host='dst',
                                    instance_uuid=instance['uuid'],
                                    migration_id=migration['id'], **kwargs)


def _finish(stack, instance, migration):
    return _step(stack, instance, migration, outcome='done', values={
        'task_state': None, 'vm_state': states.ACTIVE, 'host': 'dst', 'node': 'dst'},
        expected_task_state=list(states.REBUILD_STATES))


def _cleaned(stack, instance, migration):
    return ConductorEndpoint(stack.db).evacuation_source_cleaned(
        cep_context.get_admin_context(), host='src', instance_uuid=instance['uuid'],
        migration_id=migration['id'])


def test_hand_over_then_source_clean_up(stack, evacuation):
    instance, migration = evacuation
    _step(stack, instance, migration, outcome='start')
    assert _status(stack, migration) == 'pre-migrating'
    reply = _finish(stack, instance, migration)
    assert reply['instance']['host'] == 'dst' and _status(stack, migration) == 'done'
    assert _used(stack) == {'src': 512, 'dst': 512}
    assert _cleaned(stack, instance, migration) == 'completed'
    assert _used(stack) == {'src': 0, 'dst': 512}
    # A second clean-up (another restart) changes nothing.
    assert _cleaned(stack, instance, migration) is None
    assert _used(stack) == {'src': 0, 'dst': 512}


def test_source_clean_up_before_the_hand_over(stack, evacuation):
    instance, migration = evacuation
    assert _cleaned(stack, instance, migration) == 'completed'
    assert _used(stack) == {'src': 512, 'dst': 512}
    # The destination still rebuilds it; the hand-over gives the source's claim back.
    _step(stack, instance, migration, outcome='start')
    _finish(stack, instance, migration)
    assert _status(stack, migration) == 'completed'
    assert _used(stack) == {'src': 0, 'dst': 512}
    # Its redo finds the instance handed over already.
    with pytest.raises(exception.HostMismatch):
        _finish(stack, instance, migration)
    assert _used(stack) == {'src': 0, 'dst': 512}


def test_failure_gives_the_destination_claim_back_once(stack, evacuation):
    instance, migration = evacuation
    failed = {'task_state': None, 'vm_state': states.ERROR}
    _step(stack, instance, migration, outcome='failed', values=failed,
          expected_task_state=list(states.REBUILD_STATES))
    assert _status(stack, migration) == 'failed'
    assert stack.get(instance['uuid'])['host'] == 'src'
    assert _used(stack) == {'src': 512, 'dst': 0}
    with pytest.raises(exception.UnexpectedTaskStateError):
        _step(stack, instance, migration, outcome='failed', values=failed,
              expected_task_state=list(states.REBUILD_STATES))
    assert _used(stack) == {'src': 512, 'dst': 0}
    # A failed evacuation is no start for the destination, nor a clean-up for the source.
    with pytest.raises(exception.MigrationStatusConflict):
        _step(stack, instance, migration, outcome='start')
    assert _cleaned(stack, instance, migration) is None


def test_delete_mid_evacuation_releases_each_claim_once(stack, evacuation):
    instance, migration = evacuation
    with stack.db.transaction() as session:
        db_instances.soft_delete(session, instance['uuid'])
    assert _used(stack) == {'src': 0, 'dst': 0}
    # The source still destroys its guest when it comes back; nothing left to give back.
    with stack.db.transaction() as session:
        assert [m['id'] for m in db_evacuations.from_source(session, 'src')] == [
            migration['id']]
    assert _cleaned(stack, instance, migration) == 'completed'
    assert _used(stack) == {'src': 0, 'dst': 0}
    with pytest.raises(exception.InstanceNotFound):
        _finish(stack, instance, migration)


def test_only_the_destination_steps_and_only_the_source_cleans_up(stack, evacuation):
    instance, migration = evacuation
    endpoint = ConductorEndpoint(stack.db)
    ctx = cep_context.get_admin_context()
    with pytest.raises(exception.HostMismatch):
        endpoint.evacuation_step(ctx, host='src', instance_uuid=instance['uuid'],
                                 migration_id=migration['id'], outcome='start')
    with pytest.raises(exception.HostMismatch):
        endpoint.evacuation_source_cleaned(ctx, host='dst', instance_uuid=instance['uuid'],
                                           migration_id=migration['id'])
