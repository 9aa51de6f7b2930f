"""Which guests a compute starting again destroys (conductor 1.9 ``stale_guests``): those
of deleted instances, and of instances whose newest move from or to this host went away
from it and ended; never a guest of a move not ended, of a move coming back here, of an
instance still here, or unknown to the database."""

import uuid

import pytest

from cepheid.api.conductor import ConductorEndpoint
from cepheid.api.db import instances as db_instances
from cepheid.api.db import migration_records as db_migrations
from cepheid.common import context as cep_context
from tests.fixtures import local_stack

FLAVOR = {'flavor_id': '1', 'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
          'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'flavor_extra_specs': {}}


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def _move(stack, instance, source, dest, status, migration_type='migration'):
    with stack.db.transaction() as session:
        db_migrations.create(session, {
            'instance_uuid': instance['uuid'], 'migration_type': migration_type,
            'status': status, 'source_compute': source, 'source_node': source,
            'dest_compute': dest, 'dest_node': dest, 'old_flavor': FLAVOR,
            'new_flavor': FLAVOR})


def _stale(stack, uuids, host='src'):
    reply = ConductorEndpoint(stack.db).stale_guests(
        cep_context.get_admin_context(), host=host, instance_uuids=uuids)
    return {item['instance']['uuid']: item['reason'] for item in reply}


def test_a_deleted_instance_guest_goes_wherever_it_was(stack):
    resized = stack.make_instance(host='dst', node='dst')
    _move(stack, resized, 'src', 'dst', 'confirming', 'resize')
    with stack.db.transaction() as session:
        db_instances.soft_delete(session, resized['uuid'])
    assert _stale(stack, [resized['uuid']]) == {resized['uuid']: 'deleted'}


def test_only_an_instance_moved_away_for_good_loses_its_guest_here(stack):
    moved = stack.make_instance(host='dst', node='dst')
    _move(stack, moved, 'src', 'dst', 'completed', 'live-migration')
    verify = stack.make_instance(host='dst', node='dst')      # VERIFY_RESIZE: revertible
    _move(stack, verify, 'src', 'dst', 'finished', 'resize')
    failed = stack.make_instance(host='dst', node='dst')      # the copy here may be the one
    _move(stack, failed, 'src', 'dst', 'error')
    back = stack.make_instance(host='dst', node='dst')        # moved away, now coming back
    _move(stack, back, 'src', 'dst', 'confirmed')
    _move(stack, back, 'dst', 'src', 'preparing', 'live-migration')
    here = stack.make_instance(host='src', node='src')
    never = stack.make_instance(host='dst', node='dst')       # no move from here
    unknown = str(uuid.uuid4())
    uuids = [i['uuid'] for i in (moved, verify, failed, back, here, never)] + [unknown]
    assert _stale(stack, uuids) == {moved['uuid']: 'moved to dst'}
