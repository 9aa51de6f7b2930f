"""The same database contract on the real PostgreSQL."""

import pytest

from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from tests.fixtures import db_contract
from tests.fixtures import processes

pytestmark = pytest.mark.integration


class TestPostgreSQL(db_contract.DatabaseContract):
    @pytest.fixture
    def database(self):
        pg = processes.PostgresDatabase()
        database = db_session.Database(pg.url)
        migration.db_sync(database)
        yield database
        database.dispose()
        pg.drop()
