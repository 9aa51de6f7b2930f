"""Fixtures of the REST tests: a real SQLite DB, the Flask app, a fake compute API, tokens."""

import json
import types

import pytest

from cepheid.api import app as api_app
from cepheid.api import conf as api_conf
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config
from tests.functional.api import fakes

MEMBER = 'demo:demo-project'
OTHER = 'alt:alt-project'
ADMIN = 'admin:admin-project'
LATEST = 'latest'


def make_conf(**api_overrides):
    conf = config.make_conf(api_conf.register_opts)
    conf([])
    conf.set_override('auth_strategy', 'noauth2', group='api')
    for name, value in api_overrides.items():
        conf.set_override(name, value, group='api')
    return conf


def make_services(conf, db, compute_api):
    """ApiServices' shape (db, compute_api, conf) without RPC transports."""
    return types.SimpleNamespace(conf=conf, db=db, compute_api=compute_api)


class Api:
    """Flask test client calls with a token and a microversion; JSON in, response out."""

    def __init__(self, client):
        self.client = client

    def request(self, method, path, body=None, *, token=MEMBER, version=None, headers=None,
                data=None):
        hdrs = {}
        if token is not None:
            hdrs['X-Auth-Token'] = token
        if version is not None:
            hdrs['OpenStack-API-Version'] = f'compute {version}'
        if body is not None:
            data = json.dumps(body)
            hdrs['Content-Type'] = 'application/json'
        hdrs.update(headers or {})
        return self.client.open(path, method=method, data=data, headers=hdrs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def action(self, server_id, body, **kwargs):
        return self.post(f'/v2.1/servers/{server_id}/action', body, **kwargs)


@pytest.fixture
def conf():
    return make_conf()


@pytest.fixture
def db():
    database = db_session.Database('sqlite://')
    migration.db_sync(database)
    yield database
    database.dispose()


@pytest.fixture
def compute_api(db):
    return fakes.FakeComputeAPI(db)


@pytest.fixture
def app(conf, db, compute_api):
    return api_app.create_app(conf, make_services(conf, db, compute_api))


@pytest.fixture
def api(app):
    return Api(app.test_client())


@pytest.fixture
def instance(db):
    """An ACTIVE server of the member's project (demo-project)."""
    return fakes.make_instance(db)


def fault(response):
    """(name, code, message) of a Nova fault body."""
    body = response.get_json()
    assert isinstance(body, dict) and len(body) == 1, body
    name, inner = next(iter(body.items()))
    return name, inner['code'], inner['message']


@pytest.fixture
def api_with_policy(conf, db, compute_api, tmp_path):
    """``api_with_policy(rules)``: a client of an app whose policy file overrides ``rules``."""

    def factory(rules):
        path = tmp_path / 'policy.json'
        path.write_text(json.dumps(rules))
        conf.set_override('policy_file', str(path), group='oslo_policy')
        return Api(api_app.create_app(conf, make_services(conf, db, compute_api)).test_client())

    return factory
