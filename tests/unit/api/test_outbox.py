"""The transactional outbox (issue 14 item 2): casts commit with their state change, are
published after commit, kept while the broker refuses, and claimed by one process only."""

import datetime

import pytest
import sqlalchemy as sa

from cepheid.api import outbox
from cepheid.api.db import models
from cepheid.api.db import outbox as db_outbox
from cepheid.api.db import session as db_session
from cepheid.api.db import store as db_store
from cepheid.common import exception
from cepheid.common import states
from cepheid.compute import api as compute_api
from tests.fixtures import driver_contract
from tests.fixtures import local_stack


class Broker:
    """A compute RPC client that publishes into a list, or refuses while ``down``."""

    def __init__(self, batches=False):
        self.sent, self.down = [], False
        self.batches, self.messages = batches, 0

    def can_batch(self):
        return self.batches

    def send(self, context, cast):
        if self.down:
            raise ConnectionRefusedError('broker down')
        self.messages += 1
        self.sent.append((context['request_id'], cast.host, cast.method,
                          cast.kwargs['instance']['task_state']))

    def send_batch(self, host, items):
        if self.down:
            raise ConnectionRefusedError('broker down')
        self.messages += 1
        self.sent.extend((context['request_id'], cast.host, cast.method,
                          cast.kwargs['instance']['task_state']) for context, cast in items)


@pytest.fixture
def setup():
    stack = local_stack.LocalStack()
    broker = Broker()
    box = outbox.Outbox(stack.db, broker, lease=30)
    store = db_store.InstanceStore(stack.db, service_down_time=60, outbox=box)
    return stack, broker, box, compute_api.ComputeAPI(store)


def _rows(stack):
    with stack.db.transaction() as session:
        return db_outbox.count(session)


def test_reboot_writes_its_cast_with_the_cas_and_the_sender_publishes_it(setup):
    stack, broker, box, api = setup
    instance = stack.make_instance()
    ctx = stack.context()
    api.reboot(ctx, instance, 'SOFT')
    assert broker.sent == [] and _rows(stack) == 1 and box.pending() == 1
    assert box.flush()
    assert broker.sent == [(ctx.request_id, local_stack.HOST, 'reboot_instance',
                            states.REBOOTING)]
    assert _rows(stack) == 0 and box.pending() == 0


def test_a_refused_request_writes_no_cast(setup):
    stack, broker, box, api = setup
    instance = stack.make_instance()
    stack.set_task_state(instance['uuid'], states.POWERING_OFF)
    with pytest.raises(exception.InstanceInvalidState):
        api.reboot(stack.context(), instance, 'SOFT')    # the CAS misses: rolled back
    assert _rows(stack) == 0 and box.pending() == 0


def test_casts_wait_while_the_broker_is_down_and_leave_in_order_once_it_is_back(setup):
    stack, broker, box, api = setup
    instance = stack.make_instance()
    broker.down = True
    api.reboot(stack.context(), instance, 'SOFT')
    api.reboot(stack.context(), dict(instance, task_state=states.REBOOTING), 'HARD')
    assert not box.flush()
    assert broker.sent == [] and _rows(stack) == 2
    broker.down = False
    assert box.flush()
    assert [s[3] for s in broker.sent] == [states.REBOOTING, states.REBOOTING_HARD]
    assert _rows(stack) == 0


def test_casts_of_a_dead_process_are_claimed_by_exactly_one_other(setup):
    stack, broker, dead, api = setup
    for _ in range(3):
        api.power_action(stack.context(), stack.make_instance(), 'os-stop')
    with stack.db.transaction() as session:     # the writer died: its claims run out
        session.execute(sa.update(models.Outbox).values(
            claimed_until=models.utcnow() - datetime.timedelta(seconds=1)))
    first, second = outbox.Outbox(stack.db, broker), outbox.Outbox(stack.db, broker)
    assert first._claim_expired() is True       # found some: the next look comes soon
    assert second._claim_expired() is False
    assert (first.pending(), second.pending()) == (3, 0)
    assert first.flush() and second.flush()
    assert [s[2] for s in broker.sent] == ['stop_instance'] * 3
    assert _rows(stack) == 0


def test_a_claim_taken_over_by_another_process_is_not_published_twice(setup):
    stack, broker, box, api = setup
    api.reboot(stack.context(), stack.make_instance(), 'HARD')
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Outbox).values(
            claimed_until=models.utcnow() - datetime.timedelta(seconds=1)))
    other = outbox.Outbox(stack.db, broker)
    other._claim_expired()
    for row in box._pending.values():           # this process's claim looks expired too
        row['claimed_until'] = models.utcnow()
    assert box.flush() and other.flush()
    assert len(broker.sent) == 1


def test_the_casts_for_one_host_leave_as_one_message_when_the_computes_take_it(setup):
    stack, broker, box, api = setup
    broker.batches = True
    first, second = stack.make_instance(), stack.make_instance()
    elsewhere = stack.make_instance(host='other-host', node='other-host')
    contexts = [stack.context() for _ in range(3)]
    for ctx, instance in zip(contexts, (first, elsewhere, second), strict=True):
        api.reboot(ctx, instance, 'SOFT')
    assert box.flush()
    # one message for the two casts of HOST (in commit order), one for the other host
    assert broker.messages == 2
    assert sorted(broker.sent) == sorted(
        (ctx.request_id, instance['host'], 'reboot_instance', states.REBOOTING)
        for ctx, instance in zip(contexts, (first, elsewhere, second), strict=True))
    mine = [s[0] for s in broker.sent if s[1] == local_stack.HOST]
    assert mine == [contexts[0].request_id, contexts[2].request_id]
    assert _rows(stack) == 0


def test_a_batch_the_broker_refuses_stays_whole_for_the_retry(setup):
    stack, broker, box, api = setup
    broker.batches, broker.down = True, True
    for _ in range(2):
        api.reboot(stack.context(), stack.make_instance(), 'SOFT')
    assert not box.flush()
    assert broker.sent == [] and _rows(stack) == 2
    broker.down = False
    assert box.flush() and broker.messages == 1 and len(broker.sent) == 2
    assert _rows(stack) == 0


def test_looks_for_lapsed_claims_space_out_while_they_find_none(setup):
    stack, broker, _, _ = setup
    box = outbox.Outbox(stack.db, broker, lease=30, poll_interval=1.0)
    assert [box.look_interval(n) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert box.look_interval(10_000) == 5.0           # a sixth of the lease at most
    short = outbox.Outbox(stack.db, broker, lease=3, poll_interval=1.0)
    assert short.look_interval(3) == 1.0              # never below poll_interval


def test_a_failed_look_counts_as_not_empty(setup, tmp_path):
    stack, broker, _, _ = setup
    box = outbox.Outbox(db_session.Database(f'sqlite:///{tmp_path}/missing/x.sqlite'), broker)
    assert box._claim_expired() is True


def _reboot_all(stack, api, count):
    for _ in range(count):
        api.reboot(stack.context(), stack.make_instance(), 'SOFT')


def test_the_sender_deletes_what_it_published_together_once_the_delay_is_up(setup):
    stack, broker, _, _ = setup
    box = outbox.Outbox(stack.db, broker, lease=30, delete_after=1.0)
    api = compute_api.ComputeAPI(
        db_store.InstanceStore(stack.db, service_down_time=60, outbox=box))
    deletes = []
    sa.event.listen(stack.db.engine, 'before_cursor_execute',
                    lambda conn, cursor, sql, *args: deletes.append(sql)
                    if sql.lstrip().upper().startswith('DELETE FROM OUTBOX') else None)
    box.start(look_for_lapsed=False)
    try:
        _reboot_all(stack, api, 3)
        assert driver_contract.wait_until(lambda: len(broker.sent) == 3)
        # Published at once, deleted later: the three rows are still there.
        assert _rows(stack) == 3 and box.pending() == 0
        assert driver_contract.wait_until(lambda: _rows(stack) == 0)
        assert len(deletes) == 1            # one DELETE for the three of them
    finally:
        box.stop()


def test_stopping_the_sender_deletes_what_it_published(setup):
    stack, broker, _, _ = setup
    box = outbox.Outbox(stack.db, broker, lease=30, delete_after=3600)
    api = compute_api.ComputeAPI(
        db_store.InstanceStore(stack.db, service_down_time=60, outbox=box))
    box.start(look_for_lapsed=False)
    _reboot_all(stack, api, 2)
    assert driver_contract.wait_until(lambda: len(broker.sent) == 2)
    assert _rows(stack) == 2
    box.stop()
    assert _rows(stack) == 0
