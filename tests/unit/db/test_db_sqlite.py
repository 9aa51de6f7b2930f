"""The database contract on SQLite (in-memory, as the embedded default uses it)."""

import pytest

from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from tests.fixtures import db_contract
from tests.fixtures import prebuilt_contract
from tests.fixtures import steps_contract


def _migrated(url):
    """A migrated Database on ``url``, disposed afterwards."""
    database = db_session.Database(url)
    migration.db_sync(database)
    yield database
    database.dispose()


class TestSQLite(db_contract.DatabaseContract, steps_contract.StepsContract,
                 prebuilt_contract.PrebuiltContract):
    @pytest.fixture
    def database(self, tmp_path):
        # A file, so the concurrency test sees real locking (WAL) between connections.
        yield from _migrated(f'sqlite:///{tmp_path}/test.sqlite')


class TestSQLiteStepsAlone(steps_contract.StepsAloneContract):
    """The steps contract, each step a batch of one, on SQLite."""

    @pytest.fixture
    def database(self, tmp_path):
        # A file: a begin delivered twice at once runs on two connections.
        yield from _migrated(f'sqlite:///{tmp_path}/test.sqlite')
