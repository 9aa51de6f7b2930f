"""A REST action's whole transaction as one statement on the real PostgreSQL: its CAS, its
instance action and its cast's outbox row (api/db/fused_steps.py, api/db/store.py).

The row PostgreSQL builds must be the row Python builds (api/outbox.py, common/objects.py):
another api process re-sends it from the database when this one dies before publishing.
"""

import datetime

import pytest
import sqlalchemy as sa

from cepheid.api import outbox as api_outbox
from cepheid.api.db import models
from cepheid.api.db import outbox as db_outbox
from cepheid.api.db import store as db_store
from cepheid.common import context as cep_context
from cepheid.common import objects
from cepheid.compute import rpcapi as compute_rpcapi
from tests.fixtures import db_contract
from tests.fixtures import pg_wire
from tests.fixtures import processes

pytestmark = pytest.mark.integration

LAUNCHED = datetime.datetime(2026, 12, 6, 7, 0, 0)      # no microseconds: isoformat omits them
REBOOTING = {'values': {'task_state': 'reboot_pending'}, 'expected_task_state': [None],
             'expected_vm_state': ['active'], 'launched': True, 'action': 'reboot'}


def _store(database):
    outbox = api_outbox.Outbox(database, rpcapi=None)       # its sender is not started
    return db_store.InstanceStore(database, service_down_time=60, outbox=outbox), outbox


def _context():
    return cep_context.RequestContext(user_id='u', project_id='p', roles=['member'])


def _begin(store, ctx, uuid, cast, **overrides):
    args = dict(REBOOTING, unlocked=True, cast=cast)
    args.update(overrides)
    return store.begin_owned_task(ctx, uuid, **args)


def _rows(database):
    with database.transaction() as session:
        return [db_outbox._decoded(row) for row in session.execute(
            sa.select(models.Outbox.__table__).order_by(models.Outbox.id)).mappings()]


def _actions(database, uuid):
    with database.transaction() as session:
        return session.scalars(sa.select(models.InstanceAction.action).where(
            models.InstanceAction.instance_uuid == uuid)).all()


def _comparable(kwargs):
    """``kwargs`` with the instance's datetimes parsed (PostgreSQL always writes the
    microseconds, Python's isoformat not when they are zero)."""
    instance = dict(kwargs['instance'])
    for key in objects.TIME_FIELDS:
        instance[key] = objects.parse_time(instance[key])
    return dict(kwargs, instance=instance)


@pytest.mark.parametrize('cast', [compute_rpcapi.reboot_cast('SOFT'),
                                  compute_rpcapi.power_action_cast('stop_instance')])
def test_the_cas_the_action_and_the_outbox_row_are_one_round_trip(cast):
    with pg_wire.migrated() as database:
        store, outbox = _store(database)
        inst = db_contract.make_instance(database, launched_at=LAUNCHED,
                                         display_name='vm "ü" 😀\\', meta={'k': 'v'},
                                         flavor_extra_specs={'hw:x': '1'})
        ctx = _context()
        with pg_wire.Wire(database) as wire:
            instance = _begin(store, ctx, inst['uuid'], cast)
        assert wire.round_trips() == ['statement']
        assert instance['task_state'] == 'reboot_pending'
        assert _actions(database, inst['uuid']) == ['reboot']
        [row] = _rows(database)
        expected = cast(instance)
        assert (row['host'], row['method']) == ('h1', expected.method)
        assert row['claimed_by'] == outbox.owner
        assert row['context'] == ctx.to_dict()
        assert row['created_at'] == instance['updated_at']
        assert _comparable(row['kwargs']) == _comparable(expected.kwargs)
        objects.instance_from_primitive(row['kwargs']['instance'])   # a compute takes it
        # What the sender is handed is the row as the database has it.
        [pending] = outbox._pending.values()
        assert pending['id'] == row['id']
        assert pending['kwargs'] == expected.kwargs
        assert pending['context'] == row['context']
        assert (pending['host'], pending['method'], pending['claimed_until']) == (
            row['host'], row['method'], row['claimed_until'])


def test_the_row_is_the_one_the_statements_one_by_one_write():
    """The same action with ``fused_steps`` off (its CAS, its action and ``Outbox.add``,
    one by one) writes the same outbox row, each run's own clock (the instance's
    created_at and updated_at) aside."""
    rows = []
    for fused in (True, False):
        with pg_wire.migrated(fused_steps=fused) as database:
            store, _ = _store(database)
            inst = db_contract.make_instance(database, uuid='4c5e6a38-7f4b-4a8f-9f5a-0e6a4f3a0001',
                                             launched_at=LAUNCHED, meta={'k': 'v'})
            _begin(store, _context(), inst['uuid'], compute_rpcapi.reboot_cast('HARD'))
            [row] = _rows(database)
            rows.append(row)
    fused_row, general_row = rows
    assert fused_row['method'] == general_row['method'] == 'reboot_instance'
    fused_kwargs, general_kwargs = (_comparable(r['kwargs']) for r in rows)
    for kwargs in (fused_kwargs, general_kwargs):
        del kwargs['instance']['created_at'], kwargs['instance']['updated_at']  # each run's
    assert fused_kwargs == general_kwargs
    assert fused_kwargs['reboot_type'] == 'HARD'


@pytest.mark.parametrize('overrides', [
    {'expected_task_state': ['rebooting']},     # a task the instance does not have
    {'expected_vm_state': ['stopped']},
])
def test_a_miss_writes_nothing(overrides):
    with pg_wire.migrated() as database:
        store, outbox = _store(database)
        inst = db_contract.make_instance(database, launched_at=LAUNCHED)
        assert _begin(store, _context(), inst['uuid'], compute_rpcapi.reboot_cast('SOFT'),
                      **overrides) is None
        assert _rows(database) == []
        assert _actions(database, inst['uuid']) == []
        assert outbox.pending() == 0


def test_a_locked_or_foreign_instance_writes_nothing():
    with pg_wire.migrated() as database:
        store, outbox = _store(database)
        locked = db_contract.make_instance(database, launched_at=LAUNCHED, locked=True)
        foreign = db_contract.make_instance(database, launched_at=LAUNCHED, project_id='q')
        for inst in (locked, foreign):
            assert _begin(store, _context(), inst['uuid'],
                          compute_rpcapi.reboot_cast('SOFT')) is None
        assert _rows(database) == []
        assert outbox.pending() == 0


def test_a_lapsed_row_is_claimed_and_sent_as_written():
    """Another process claims the row once its claim ran out and re-sends it: what it reads
    is what this process would have sent."""
    with pg_wire.migrated() as database:
        store, outbox = _store(database)
        inst = db_contract.make_instance(database, launched_at=LAUNCHED)
        instance = _begin(store, _context(), inst['uuid'], compute_rpcapi.reboot_cast('SOFT'))
        with database.transaction() as session:
            session.execute(sa.update(models.Outbox.__table__).values(
                claimed_until=models.utcnow() - datetime.timedelta(seconds=1)))
        with database.transaction() as session:
            [claimed] = db_outbox.claim_expired(
                session, owner='other', until=models.utcnow(), limit=10)
        assert claimed['claimed_by'] == 'other'
        expected = compute_rpcapi.reboot_cast('SOFT')(instance)
        assert _comparable(claimed['kwargs']) == _comparable(expected.kwargs)


def test_without_an_outbox_cast_the_statements_keep_their_transaction():
    """A cast built only from the instance (not an InstanceCast) is written after the
    CAS by ``Outbox.add``: BEGIN, the CAS with its action, the row, COMMIT."""
    with pg_wire.migrated() as database:
        store, _ = _store(database)
        inst = db_contract.make_instance(database, launched_at=LAUNCHED)
        with pg_wire.Wire(database) as wire:
            _begin(store, _context(), inst['uuid'],
                   lambda i: compute_rpcapi.reboot_instance(i, 'SOFT'))
        assert wire.round_trips() == ['BEGIN', 'statement', 'statement', 'COMMIT']
        assert len(_rows(database)) == 1


class _Recorder:
    """The outbox sender's rpcapi: records what it would publish."""

    def __init__(self):
        self.sent = []

    def can_batch(self):
        return False

    def send(self, context, cast):
        self.sent.append((context, cast))


def test_the_sender_publishes_the_row_and_deletes_it():
    with pg_wire.migrated() as database:
        recorder = _Recorder()
        outbox = api_outbox.Outbox(database, recorder, delete_after=0)
        store = db_store.InstanceStore(database, service_down_time=60, outbox=outbox)
        inst = db_contract.make_instance(database, launched_at=LAUNCHED)
        ctx = _context()
        outbox.start(look_for_lapsed=False)
        try:
            instance = _begin(store, ctx, inst['uuid'], compute_rpcapi.reboot_cast('SOFT'))
            processes.wait_until(lambda: recorder.sent and not _rows(database), 10,
                                 'the cast published and its row deleted')
        finally:
            outbox.stop()
        [(context, cast)] = recorder.sent
        assert context == ctx.to_dict()
        assert cast == compute_rpcapi.reboot_instance(instance, 'SOFT')
