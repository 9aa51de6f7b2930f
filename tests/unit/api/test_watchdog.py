"""The stuck-task watchdog: re-send once when the host is up, else end with a fault."""

import pytest

from cepheid.api import outbox
from cepheid.api import watchdog
from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import services as db_services
from cepheid.api.db import store as db_store
from cepheid.common import config
from cepheid.common import states
from tests.fixtures import local_stack


class RecordingRPCAPI:
    """What the outbox's sender publishes."""

    def __init__(self):
        self.sent = []

    @staticmethod
    def can_batch():
        return False

    def send(self, context, cast):
        kwargs = {k: v for k, v in cast.kwargs.items() if k != 'instance'}
        self.sent.append((context['request_id'], cast.kwargs['instance']['uuid'],
                          cast.method, kwargs))


@pytest.fixture
def setup():
    stack = local_stack.LocalStack()
    conf = config.make_conf()
    conf([])
    conf.set_override('reboot_timeout', 0)
    rpcapi = RecordingRPCAPI()
    store = db_store.InstanceStore(stack.db, service_down_time=60,
                                   outbox=outbox.Outbox(stack.db, rpcapi))
    return stack, watchdog.Watchdog(conf, store), rpcapi


def _sent(dog, rpcapi):
    """Publish what the watchdog wrote to the outbox (the sender's job) and return it."""
    assert dog.store.outbox.flush()
    return rpcapi.sent


def _stuck(stack, task_state):
    instance = stack.make_instance()
    ctx = stack.context('reboot', instance['uuid'])
    stack.set_task_state(instance['uuid'], task_state)
    return instance, ctx


def _host_up(stack):
    with stack.db.transaction() as session:
        db_services.heartbeat(session, host=local_stack.HOST, binary='cepheid-compute',
                              topic='compute')


def test_stuck_reboot_on_a_live_host_is_resent_once_then_ended(setup):
    stack, dog, rpcapi = setup
    _host_up(stack)
    instance, ctx = _stuck(stack, states.REBOOTING_HARD)
    assert dog.check_once() == {instance['uuid']: 'resent'}
    assert _sent(dog, rpcapi) == [(ctx.request_id, instance['uuid'], 'reboot_instance',
                            {'reboot_type': 'HARD'})]
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOTING_HARD
    assert dog.check_once() == {instance['uuid']: 'ended'}
    row = stack.get(instance['uuid'])
    assert row['task_state'] is None
    fault = stack.faults(instance['uuid'])[instance['uuid']]
    assert 'did not finish within 0 s' in fault['message'] and 'is up' in fault['message']
    action, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [
        ('api_watchdog_resend', 'Success'), ('api_watchdog', 'Error')]
    assert action['message'] == 'Error'
    assert len(_sent(dog, rpcapi)) == 1


def test_stuck_reboot_on_a_dead_host_is_ended_with_a_fault(setup):
    stack, dog, rpcapi = setup
    instance, _ = _stuck(stack, states.REBOOT_STARTED)
    assert dog.check_once() == {instance['uuid']: 'ended'}
    assert _sent(dog, rpcapi) == []
    assert stack.get(instance['uuid'])['task_state'] is None
    assert 'is down' in stack.faults(instance['uuid'])[instance['uuid']]['message']


def test_idle_instances_are_left_alone(setup):
    stack, dog, rpcapi = setup
    stack.make_instance()
    assert dog.check_once() == {}


def _begun(stack, task_state=states.REBOOTING):
    """An instance whose reboot event was started by a compute (begin succeeded)."""
    instance, ctx = _stuck(stack, task_state)
    stack.conductor.begin(ctx, instance['uuid'], event='compute_reboot_instance',
                          values={'task_state': states.REBOOT_PENDING},
                          expected_task_state=states.SOFT_REBOOT_STATES)
    return instance, ctx


def test_event_left_open_on_an_idle_instance_is_finished_as_error(setup):
    stack, dog, _ = setup
    instance, ctx = _begun(stack)
    stack.set_task_state(instance['uuid'], None)   # moved on without finishing the event
    assert dog.check_once() == {}
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [('compute_reboot_instance', 'Error')]
    assert 'not finished within 0 s' in events[0]['details']


def test_event_of_an_older_request_is_finished_while_a_newer_one_runs(setup):
    stack, dog, _ = setup
    instance, old = _begun(stack)
    new = stack.context('reboot', instance['uuid'])     # a newer HARD request owns it now
    stack.set_task_state(instance['uuid'], states.REBOOTING_HARD)
    assert dog.finish_abandoned_events(dog_cutoff()) == 1
    _, events = stack.events(instance['uuid'], old.request_id)
    assert events[0]['result'] == 'Error'
    assert stack.events(instance['uuid'], new.request_id)[1] == []


def test_event_of_the_request_that_owns_the_instance_is_left_to_the_stuck_check(setup):
    stack, dog, _ = setup
    instance, ctx = _begun(stack)
    assert dog.finish_abandoned_events(dog_cutoff()) == 0
    assert dog.check_once() == {instance['uuid']: 'ended'}   # host down: ended, event too
    _, events = stack.events(instance['uuid'], ctx.request_id)
    assert [(e['event'], e['result']) for e in events] == [
        ('compute_reboot_instance', 'Error'), ('api_watchdog', 'Error')]


def dog_cutoff():
    import datetime

    from cepheid.api.db import models
    return models.utcnow() + datetime.timedelta(seconds=1)


@pytest.mark.parametrize('task_state,method,kwargs', [
    (states.REBUILDING, 'rebuild_instance',
     {'preserve_ephemeral': False, 'admin_password': None}),
    (states.REBUILD_SPAWNING, 'rebuild_instance',
     {'preserve_ephemeral': False, 'admin_password': None}),
    (states.RESCUING, 'rescue_instance', {'rescue_image_ref': None, 'rescue_password': None}),
    (states.UNRESCUING, 'unrescue_instance', {}),
])
def test_stuck_rebuild_and_rescue_are_resent_with_their_method(setup, task_state, method,
                                                               kwargs):
    stack, dog, rpcapi = setup
    _host_up(stack)
    instance, ctx = _stuck(stack, task_state)
    assert dog.check_once() == {instance['uuid']: 'resent'}
    assert _sent(dog, rpcapi) == [(ctx.request_id, instance['uuid'], method, kwargs)]


def test_stuck_password_change_is_ended_not_resent(setup):
    # The password is not kept anywhere, so there is nothing to re-send.
    stack, dog, rpcapi = setup
    _host_up(stack)
    instance, _ = _stuck(stack, states.UPDATING_PASSWORD)
    assert dog.check_once() == {instance['uuid']: 'ended'}
    dog.store.outbox.flush()
    assert rpcapi.sent == []
    assert stack.get(instance['uuid'])['task_state'] is None


def _stuck_evacuation(stack):
    flavor = {'flavor_id': '1', 'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
              'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'flavor_extra_specs': {}}
    instance, _ = _stuck(stack, states.REBUILDING)
    with stack.db.transaction() as session:
        migration = db_migrations.create(session, {
            'instance_uuid': instance['uuid'], 'migration_type': 'evacuation',
            'status': 'accepted', 'source_compute': local_stack.HOST,
            'source_node': local_stack.HOST, 'dest_compute': 'dest-host',
            'dest_node': 'dest-host', 'old_flavor': flavor, 'new_flavor': flavor})
    return instance, migration


def _migration_status(stack, migration):
    with stack.db.transaction() as session:
        return db_migrations.get(session, migration['id'])['status']


def test_stuck_evacuation_is_resent_to_its_destination_never_to_its_source(setup):
    stack, dog, rpcapi = setup
    _host_up(stack)     # the old source is back: still not where a rebuild goes
    with stack.db.transaction() as session:
        db_services.heartbeat(session, host='dest-host', binary='cepheid-compute',
                              topic='compute')
    instance, migration = _stuck_evacuation(stack)
    assert dog.check_once() == {instance['uuid']: 'resent'}
    [(_, uuid, method, kwargs)] = _sent(dog, rpcapi)
    assert (uuid, method, kwargs['recreate'], kwargs['migration']['dest_compute']) == (
        instance['uuid'], 'rebuild_instance', True, 'dest-host')
    # Still stuck: ended in ERROR where it was, the evacuation failed.
    assert dog.check_once() == {instance['uuid']: 'ended'}
    row = stack.get(instance['uuid'])
    assert (row['vm_state'], row['task_state'], row['host']) == (
        states.ERROR, None, local_stack.HOST)
    assert _migration_status(stack, migration) == 'failed'
    assert 'host dest-host is up' in stack.faults(instance['uuid'])[instance['uuid']][
        'message']


def test_stuck_evacuation_with_its_destination_down_is_ended(setup):
    stack, dog, rpcapi = setup
    instance, migration = _stuck_evacuation(stack)
    assert dog.check_once() == {instance['uuid']: 'ended'}
    assert stack.get(instance['uuid'])['vm_state'] == states.ERROR
    assert _migration_status(stack, migration) == 'failed'
    assert rpcapi.sent == []


def test_a_live_migration_is_left_to_its_source_while_it_is_up(setup):
    stack, dog, rpcapi = setup
    _host_up(stack)
    instance, _ = _stuck(stack, states.MIGRATING)
    assert dog.check_once() == {instance['uuid']: 'waiting'}
    assert _sent(dog, rpcapi) == []
    assert stack.get(instance['uuid'])['task_state'] == states.MIGRATING


def test_a_live_migration_whose_source_is_down_is_ended_on_the_source(setup):
    stack, dog, rpcapi = setup
    instance, _ = _stuck(stack, states.MIGRATING)
    assert dog.check_once() == {instance['uuid']: 'ended'}
    after = stack.get(instance['uuid'])
    assert (after['task_state'], after['vm_state'], after['host']) == (
        None, states.ACTIVE, instance['host'])
