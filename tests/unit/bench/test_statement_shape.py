"""The in-process scenario counts SQL statements by shape: the verb and the first table."""

import pytest

from bench import sql_census


@pytest.mark.parametrize('statement, shape', [
    ('UPDATE instances SET task_state=? WHERE instances.uuid = ?', 'UPDATE instances'),
    ('SELECT instance_actions.id, instance_actions_events.id \nFROM instance_actions '
     'LEFT OUTER JOIN instance_actions_events ON ...', 'SELECT instance_actions'),
    ('INSERT INTO outbox (context, message) VALUES (?, ?)', 'INSERT outbox'),
    ('DELETE FROM "outbox" WHERE outbox.id IN (?)', 'DELETE outbox'),
    ('SELECT 1', 'SELECT ?'),
    ('BEGIN', 'BEGIN'),
])
def test_statement_shape(statement, shape):
    assert sql_census.statement_shape(statement) == shape


def test_the_counter_counts_statements_by_shape_and_commits():
    import sqlalchemy as sa
    engine = sa.create_engine('sqlite://')
    counter = sql_census.SqlCounter(engine)
    with engine.begin() as conn:
        conn.execute(sa.text('CREATE TABLE outbox (id INTEGER PRIMARY KEY)'))
        conn.execute(sa.text('INSERT INTO outbox (id) VALUES (1)'))
        conn.execute(sa.text('INSERT INTO outbox (id) VALUES (2)'))
    with engine.begin() as conn:
        conn.execute(sa.text('DELETE FROM outbox WHERE id = 1'))
    assert counter.shapes == {'CREATE': 1, 'INSERT outbox': 2, 'DELETE outbox': 1}
    assert counter.statements == 4 and counter.commits == 2
