"""A step's first statement in autocommit on the real PostgreSQL (api/db/prebuilt.py).

What goes over the wire is read from libpq's own trace of the pooled connection: each
``Query`` or ``Sync`` the client sends is one round trip.
"""

import pytest
import sqlalchemy as sa

from cepheid.api import observed_conductor
from cepheid.api.db import instance_cas
from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.api.db import prebuilt
from tests.fixtures import db_contract
from tests.fixtures import pg_wire
from tests.fixtures import steps_contract

pytestmark = pytest.mark.integration

class _Boom(Exception):
    pass


@pytest.fixture
def database():
    with pg_wire.migrated() as database:
        yield database


def _task_state(database, uuid):
    with database.transaction() as session:
        return db_instances.get(session, uuid)['task_state']


@pytest.mark.parametrize('alone, trips', [(True, ['statement']),
                                          (False, ['BEGIN', 'statement', 'COMMIT'])])
def test_a_begin_and_an_end_are_one_round_trip_each(alone, trips):
    """In autocommit the fused statement is the whole exchange; without, psycopg's BEGIN
    and COMMIT are round trips of their own."""
    with pg_wire.migrated(alone=alone) as database:
        inst = db_contract.make_instance(database, task_state='rebooting')
        ctx = db_contract.reboot_context(database, inst['uuid'])
        endpoint = observed_conductor.ObservedConductorEndpoint(database)
        with pg_wire.Wire(database) as wire:
            begun = endpoint.begin(ctx, host='h1', instance_uuid=inst['uuid'],
                                   event=steps_contract.EVENT, values=steps_contract.PENDING,
                                   expected_task_state=['rebooting'])
        assert wire.round_trips() == trips
        with pg_wire.Wire(database) as wire:
            assert steps_contract.end(endpoint, ctx, inst['uuid'], begun) is True
        assert wire.round_trips() == trips
        assert _task_state(database, inst['uuid']) is None


def test_a_batch_of_one_step_goes_alone_and_a_batch_of_two_together(database):
    """The steps consumer's gathered transaction: one begin alone, two in one
    transaction (their order and their one commit as before)."""
    endpoint = observed_conductor.ObservedConductorEndpoint(database)
    items = []
    for _ in range(3):
        inst = db_contract.make_instance(database, task_state='rebooting')
        ctx = db_contract.reboot_context(database, inst['uuid'])
        items.append(('h1', {'method': 'begin', 'context': ctx.to_dict(), 'args': {
            'instance_uuid': inst['uuid'], 'event': steps_contract.EVENT,
            'values': steps_contract.PENDING, 'expected_task_state': ['rebooting']}}))
    with pg_wire.Wire(database) as wire:
        replies = endpoint.gathered_steps(items[:1])
    assert wire.round_trips() == ['statement']
    with pg_wire.Wire(database) as wire:
        replies += endpoint.gathered_steps(items[1:])
    assert wire.round_trips() == ['BEGIN', 'statement', 'statement', 'COMMIT']
    assert [reply['instance']['task_state'] for reply in replies] == ['reboot_pending'] * 3


def _swap(session, uuid, task_state, expected):
    return instance_cas.swap(session.connection(), uuid, {'task_state': task_state},
                             expected_task_state=[expected])


def test_only_the_first_statement_commits_on_its_own(database):
    """The first compare-and-swap is committed when it returns; the second is in a
    transaction that the failure rolls back."""
    first = db_contract.make_instance(database, task_state='rebooting')
    second = db_contract.make_instance(database, task_state='rebooting')
    with pytest.raises(_Boom):
        with database.core_transaction(alone=True) as session:
            assert _swap(session, first['uuid'], 'reboot_pending', 'rebooting')
            assert _swap(session, second['uuid'], 'reboot_pending', 'rebooting')
            raise _Boom()
    assert _task_state(database, first['uuid']) == 'reboot_pending'
    assert _task_state(database, second['uuid']) == 'rebooting'


def test_a_transaction_not_asking_keeps_its_first_statement(database):
    inst = db_contract.make_instance(database, task_state='rebooting')
    with pytest.raises(_Boom):
        with database.core_transaction() as session:
            assert _swap(session, inst['uuid'], 'reboot_pending', 'rebooting')
            raise _Boom()
    assert _task_state(database, inst['uuid']) == 'rebooting'


@pytest.mark.parametrize('first', ['driver sql', 'prebuilt read'])
def test_a_transaction_begun_by_another_statement_keeps_them_together(database, first):
    """A first statement that may not go alone (any other) begins the transaction; the
    compare-and-swap after it is rolled back with it."""
    inst = db_contract.make_instance(database, task_state='rebooting')
    read = sa.select(models.Instance.__table__.c.id).where(
        models.Instance.__table__.c.uuid == sa.bindparam('x_uuid'))
    with pytest.raises(_Boom):
        with database.core_transaction(alone=True) as session:
            conn = session.connection()
            if first == 'driver sql':
                conn.exec_driver_sql('SELECT 1')
            else:
                assert prebuilt.execute(conn, read, {'x_uuid': inst['uuid']}).scalar()
            assert _swap(session, inst['uuid'], 'reboot_pending', 'rebooting')
            raise _Boom()
    assert _task_state(database, inst['uuid']) == 'rebooting'


def test_the_connection_goes_back_to_the_pool_out_of_autocommit(database):
    """After a statement alone, and after one the server refused, the pool's connection
    runs transactions again."""
    inst = db_contract.make_instance(database, task_state='rebooting')
    with database.core_transaction(alone=True) as session:
        assert _swap(session, inst['uuid'], 'reboot_pending', 'rebooting')
    with pytest.raises(sa.exc.DataError):
        with database.core_transaction(alone=True) as session:
            _swap(session, inst['uuid'], 'x' * 300, 'reboot_pending')   # String(255)
    with database.engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False
    with pytest.raises(_Boom):
        with database.core_transaction() as session:
            assert _swap(session, inst['uuid'], 'reboot_started', 'reboot_pending')
            raise _Boom()
    assert _task_state(database, inst['uuid']) == 'reboot_pending'


def test_the_option_off_keeps_every_statement_in_its_transaction():
    """``[database] single_statement_autocommit = false``."""
    with pg_wire.migrated(alone=False) as database:
        inst = db_contract.make_instance(database, task_state='rebooting')
        with pytest.raises(_Boom):
            with database.core_transaction(alone=True) as session:
                assert _swap(session, inst['uuid'], 'reboot_pending', 'rebooting')
                raise _Boom()
        assert _task_state(database, inst['uuid']) == 'rebooting'
