"""A step that writes one statement runs in autocommit on the real PostgreSQL
(api/db/one_statement.py): no BEGIN and COMMIT around it, the same rows and answers."""

import pytest
import sqlalchemy as sa

from cepheid.api import observed_conductor
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import exception
from tests.fixtures import db_contract
from tests.fixtures import processes
from tests.fixtures import steps_contract

pytestmark = pytest.mark.integration

STARTED = {'values': {'task_state': 'reboot_started'},
           'expected_task_state': ['reboot_pending']}


def _database(**kwargs):
    pg = processes.PostgresDatabase()
    database = db_session.Database(pg.url, **kwargs)
    migration.db_sync(database)
    return pg, database


class TestPostgreSQLStepsAlone(steps_contract.StepsContract):
    """The steps contract with each step a batch of one, as at one reboot in flight."""

    @staticmethod
    def endpoint(database):
        return steps_contract.AloneInABatch(
            observed_conductor.ObservedConductorEndpoint(database))

    @pytest.fixture
    def database(self):
        pg, database = _database()
        yield database
        database.dispose()
        pg.drop()


def _statements(database):
    """(first word, ran in autocommit) of each statement sent from now on."""
    seen = []
    sa.event.listen(database.engine, 'before_cursor_execute',
                    lambda conn, cursor, statement, *args: seen.append(
                        (statement.split()[0], cursor.connection.autocommit)))
    return seen


def _item(method, ctx, **args):
    return ('h1', {'method': method, 'context': ctx.to_dict(), 'args': args})


def _begin(ctx, uuid_, **extra):
    return _item('begin', ctx, instance_uuid=uuid_, event=steps_contract.EVENT,
                 values=steps_contract.PENDING, expected_task_state=['rebooting'], **extra)


def _end(ctx, uuid_, event_id):
    return _item('task_end', ctx, instance_uuid=uuid_, event=steps_contract.EVENT,
                 event_id=event_id, values=steps_contract.END,
                 expected_task_state=steps_contract.END_FROM)


@pytest.mark.parametrize('autocommit_steps', [True, False])
def test_a_reboots_steps_alone_are_each_one_statement_without_a_transaction(
        autocommit_steps):
    """The begin, the next step it carries and the end: one statement each, in
    autocommit unless ``[database] autocommit_steps`` is off; the rows as ever."""
    pg, database = _database(autocommit_steps=autocommit_steps)
    try:
        endpoint = observed_conductor.ObservedConductorEndpoint(database)
        inst = db_contract.make_instance(database, task_state='rebooting')
        ctx = db_contract.reboot_context(database, inst['uuid'])
        seen = _statements(database)
        [begun] = endpoint.gathered_steps([_begin(ctx, inst['uuid'], advance=STARTED)])
        assert seen == [('WITH', autocommit_steps), ('UPDATE', autocommit_steps)]
        assert steps_contract._rows(database, inst['uuid'], ctx.request_id)[0][
            'task_state'] == 'reboot_started'
        del seen[:]
        assert endpoint.gathered_steps([_end(ctx, inst['uuid'], begun['event_id'])]) == [True]
        assert seen == [('WITH', autocommit_steps)]
        instance, action, events = steps_contract._rows(database, inst['uuid'],
                                                        ctx.request_id)
        assert instance['task_state'] is None
        assert [e['result'] for e in events] == ['Success']
        assert action['updated_at'] >= events[0]['finish_time']
    finally:
        database.dispose()
        pg.drop()


def test_a_begin_whose_statement_wrote_nothing_says_why_in_one_transaction():
    """A begin from a host that lost the instance: its fused statement writes nothing in
    autocommit, then the general path records the refusal in one transaction."""
    pg, database = _database()
    try:
        endpoint = observed_conductor.ObservedConductorEndpoint(database)
        inst = db_contract.make_instance(database, task_state='rebooting', host='h2')
        ctx = db_contract.reboot_context(database, inst['uuid'])
        seen = _statements(database)
        [refused] = endpoint.gathered_steps([_begin(ctx, inst['uuid'])])
        assert isinstance(refused, exception.HostMismatch)
        assert seen[0] == ('WITH', True)
        assert len(seen) > 2 and all(not autocommit for _, autocommit in seen[1:])
        instance, _, events = steps_contract._rows(database, inst['uuid'], ctx.request_id)
        assert instance['task_state'] == 'rebooting'
        assert [(e['result'], e['host']) for e in events] == [('Error', 'h1')]
    finally:
        database.dispose()
        pg.drop()


def test_steps_of_a_batch_share_one_transaction():
    """Two reboots' begins together: one transaction (one commit for both), as before."""
    pg, database = _database()
    try:
        endpoint = observed_conductor.ObservedConductorEndpoint(database)
        items = []
        for _ in range(2):
            inst = db_contract.make_instance(database, task_state='rebooting')
            items.append(_begin(db_contract.reboot_context(database, inst['uuid']),
                                inst['uuid']))
        seen = _statements(database)
        replies = endpoint.gathered_steps(items)
        assert [r['instance']['task_state'] for r in replies] == ['reboot_pending'] * 2
        assert seen == [('WITH', False), ('WITH', False)]
    finally:
        database.dispose()
        pg.drop()
