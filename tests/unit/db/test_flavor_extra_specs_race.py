"""A concurrent writer's extra spec row (or MySQL's case-insensitive keys) makes the insert
collide: Nova's 409 FlavorExtraSpecUpdateCreateFailed, and the transaction stays usable."""

import pytest
import sqlalchemy as sa

from cepheid.api.db import flavors as db_flavors
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import exception


@pytest.fixture
def database():
    database = db_session.Database('sqlite://')
    migration.db_sync(database)
    yield database
    database.dispose()


def test_a_colliding_insert_is_409_and_the_session_survives(database):
    with database.transaction() as session:
        db_flavors.set_extra_specs(session, '1', {'hw:numa_nodes': '1'})
    with database.transaction() as session:
        read = session.scalars

        def stale_read(stmt, *args, **kwargs):
            # The read of the current specs misses the row another writer just added.
            return iter([]) if 'flavor_extra_specs' in str(stmt) else read(stmt, *args, **kwargs)

        session.scalars = stale_read
        with pytest.raises(exception.FlavorExtraSpecUpdateCreateFailed) as err:
            db_flavors.set_extra_specs(session, '1', {'hw:numa_nodes': '2'})
        session.scalars = read
        assert err.value.code == 409
        values = session.execute(sa.text('SELECT value FROM flavor_extra_specs')).scalars()
        assert list(values) == ['1']
