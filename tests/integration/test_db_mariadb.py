"""The same database contract on the real MariaDB (MySQL dialect, PyMySQL)."""

import pytest

from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from tests.fixtures import db_contract
from tests.fixtures import prebuilt_contract
from tests.fixtures import processes
from tests.fixtures import steps_contract

pytestmark = pytest.mark.integration


class TestMariaDB(db_contract.DatabaseContract, steps_contract.StepsContract,
                  prebuilt_contract.PrebuiltContract):
    @pytest.fixture
    def database(self):
        maria = processes.MariaDBDatabase()
        database = db_session.Database(maria.url)
        migration.db_sync(database)
        yield database
        database.dispose()
        maria.drop()
