"""The database contract on SQLite (in-memory, as the embedded default uses it)."""

import pytest

from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from tests.fixtures import db_contract
from tests.fixtures import prebuilt_contract
from tests.fixtures import steps_contract


class TestSQLite(db_contract.DatabaseContract, steps_contract.StepsContract,
                 prebuilt_contract.PrebuiltContract):
    @pytest.fixture
    def database(self, tmp_path):
        # A file, so the concurrency test sees real locking (WAL) between connections.
        database = db_session.Database(f'sqlite:///{tmp_path}/test.sqlite')
        migration.db_sync(database)
        yield database
        database.dispose()


class TestSQLiteStepsAlone(steps_contract.StepsAloneContract):
    """The steps contract, each step a batch of one, on SQLite."""

    @pytest.fixture
    def database(self):
        database = db_session.Database('sqlite://')
        migration.db_sync(database)
        yield database
        database.dispose()
