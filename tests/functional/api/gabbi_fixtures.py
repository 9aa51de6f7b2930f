"""Gabbi fixtures: a fresh app (SQLite, fake compute API) per YAML file, plus a seeded server."""

import os

from gabbi import fixture

from cepheid.api import app as api_app
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from tests.functional.api import conftest
from tests.functional.api import fakes

_APP = {}


def _current_app(environ, start_response):
    return _APP['app'](environ, start_response)


def setup_app():
    """The intercept. Gabbi builds its WSGI transport while collecting, before any fixture
    ran, so it gets a shim that calls the app of the running YAML file."""
    return _current_app


class APIFixture(fixture.GabbiFixture):
    """Builds the app; exports SERVER_ID (an ACTIVE server of demo-project) and
    LOCKED_ID (the same, locked by an admin) to the YAML through the environment."""

    def start_fixture(self):
        conf = conftest.make_conf()
        self.db = db_session.Database('sqlite://')
        migration.db_sync(self.db)
        compute_api = fakes.FakeComputeAPI(self.db)
        _APP['app'] = api_app.create_app(conf,
                                         conftest.make_services(conf, self.db, compute_api))
        os.environ['SERVER_ID'] = fakes.make_instance(self.db)['uuid']
        os.environ['LOCKED_ID'] = fakes.make_instance(
            self.db, locked=True, locked_by='admin')['uuid']

    def stop_fixture(self):
        _APP.clear()
        self.db.dispose()
