"""Gabbi fixtures: the app of the running YAML file, with a fake compute API (APIFixture) or
the real in-process all-in-one stack (StackFixture); seeded servers go to the environment."""

import os
import time

from gabbi import fixture

from cepheid.api import app as api_app
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import exception
from cepheid.common import states
from cepheid.demo import allinone
from tests.fixtures import http
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
        os.environ['OTHER_ID'] = fakes.make_instance(
            self.db, project_id='alt-project', user_id='alt')['uuid']

    def stop_fixture(self):
        _APP.clear()
        self.db.dispose()


def _create_server(client, name, token=http.MEMBER):
    status, body = client.post('/servers', {'server': {'name': name, 'flavorRef': '1'}},
                               token=token)
    assert status == 202, body
    return body['server']['id']


class StackFixture(fixture.GabbiFixture):
    """The real stack (api + compute1 over fake://, SQLite): lock, reboot and the action log
    go through compute.api, the bus and the compute manager.

    Exports SERVER_ID (demo-project), OTHER_ID (alt-project) and FAILED_ID (demo-project,
    whose reboot failed with the guest off: ERROR, an ``Error`` event with a traceback) and
    FAILED_REQ (that reboot's request id).
    """

    def start_fixture(self):
        conf = allinone.make_conf(compute_driver='fake')
        self.stack = allinone.AllInOne(conf, hosts=['compute1']).start()
        _APP['app'] = self.stack.app
        client = http.Client(self.stack.endpoint)
        ids = {'SERVER_ID': _create_server(client, 'web-1'),
               'OTHER_ID': _create_server(client, 'alt-1', token=http.OTHER),
               'FAILED_ID': _create_server(client, 'broken-1')}
        for key, server_id in ids.items():
            token = http.OTHER if key == 'OTHER_ID' else http.MEMBER
            _wait(client, server_id, token, lambda s: s['status'] == 'ACTIVE')
        os.environ.update(ids)
        os.environ['FAILED_REQ'] = self._failed_reboot(client, ids['FAILED_ID'])

    def _failed_reboot(self, client, server_id):
        driver = self.stack.computes['compute1'].driver
        driver.fail('reboot', exception.VirtDriverError(reason='disk on fire'),
                    power_state=states.SHUTDOWN)
        status, _body = client.post(f'/servers/{server_id}/action',
                                    {'reboot': {'type': 'HARD'}})
        assert status == 202
        _wait(client, server_id, http.MEMBER, lambda s: s['status'] == 'ERROR')
        _status, body = client.get(f'/servers/{server_id}/os-instance-actions')
        return body['instanceActions'][0]['request_id']

    def stop_fixture(self):
        _APP.clear()
        self.stack.stop()


def _wait(client, server_id, token, predicate, timeout=20):
    """Poll the server until ``predicate(server)`` holds (state polling, no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = client.get(f'/servers/{server_id}', token=token)
        assert status == 200, body
        if predicate(body['server']):
            return
        time.sleep(0.01)
    raise TimeoutError(f'server {server_id}: condition not met, last {body}')
