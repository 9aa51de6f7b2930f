"""The api's start-up revision check answers what Alembic answers, without importing it."""

import pytest

from cepheid.api.db import migration
from cepheid.api.db import schema_revision
from cepheid.api.db import session as db_session


@pytest.fixture
def database():
    database = db_session.Database('sqlite://')
    yield database
    database.dispose()


def test_head_is_alembics_head():
    assert schema_revision.head() == migration.head_revision()


def test_current_is_none_before_db_sync_and_the_head_after(database):
    with database.engine.connect() as connection:
        assert schema_revision.current(connection) is None
    migration.db_sync(database)
    with database.engine.connect() as connection:
        assert schema_revision.current(connection) == migration.db_version(database)
        assert schema_revision.current(connection) == schema_revision.head()


def test_two_heads_are_refused(tmp_path):
    for name, revision, down in (('a.py', '1', None), ('b.py', '2', '1'), ('c.py', '3', '1')):
        (tmp_path / name).write_text(f'revision = {revision!r}\ndown_revision = {down!r}\n')
    with pytest.raises(RuntimeError, match=r"2 heads \['2', '3'\]"):
        schema_revision.head(str(tmp_path))


def test_a_merge_revision_is_the_one_head(tmp_path):
    for name, revision, down in (('a.py', '1', None), ('b.py', '2', '1'), ('c.py', '3', '1'),
                                 ('d.py', '4', ('2', '3'))):
        (tmp_path / name).write_text(f'revision = {revision!r}\ndown_revision = {down!r}\n')
    assert schema_revision.head(str(tmp_path)) == '4'

