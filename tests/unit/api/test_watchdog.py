"""The stuck-task watchdog: re-send once when the host is up, else end with a fault."""

import pytest

from cepheid.api import watchdog
from cepheid.api.db import services as db_services
from cepheid.api.db import store as db_store
from cepheid.common import config
from cepheid.common import states
from tests.fixtures import local_stack


class RecordingRPCAPI:
    def __init__(self):
        self.sent = []

    def resend(self, context, instance, method, **kwargs):
        self.sent.append((context.request_id, instance['uuid'], method, kwargs))


@pytest.fixture
def setup():
    stack = local_stack.LocalStack()
    conf = config.make_conf()
    conf([])
    conf.set_override('reboot_timeout', 0)
    rpcapi = RecordingRPCAPI()
    store = db_store.InstanceStore(stack.db, service_down_time=60)
    return stack, watchdog.Watchdog(conf, store, rpcapi), rpcapi


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
    assert rpcapi.sent == [(ctx.request_id, instance['uuid'], 'reboot_instance',
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
    assert len(rpcapi.sent) == 1


def test_stuck_reboot_on_a_dead_host_is_ended_with_a_fault(setup):
    stack, dog, rpcapi = setup
    instance, _ = _stuck(stack, states.REBOOT_STARTED)
    assert dog.check_once() == {instance['uuid']: 'ended'}
    assert rpcapi.sent == []
    assert stack.get(instance['uuid'])['task_state'] is None
    assert 'is down' in stack.faults(instance['uuid'])[instance['uuid']]['message']


def test_idle_instances_are_left_alone(setup):
    stack, dog, rpcapi = setup
    stack.make_instance()
    assert dog.check_once() == {}
