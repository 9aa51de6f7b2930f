"""A real Keystone, then cepheid-api (auth_strategy = keystone) + a compute over RabbitMQ + PG."""

import time

import pytest

from tests.fixtures import http
from tests.fixtures import keystone
from tests.fixtures import keystone_identity
from tests.fixtures import processes
from tests.integration.keystone import helpers

COMPUTE_HOST = 'hostK'
# auth_token keeps a validated token this long; a revoked one is refused once it lapses.
TOKEN_CACHE_TIME = 3


def _report(config, line):
    """Write ``line`` to the terminal even while pytest captures output (CI logs show it)."""
    reporter = config.pluginmanager.get_plugin('terminalreporter')
    capman = config.pluginmanager.get_plugin('capturemanager')
    if reporter is None or capman is None:
        print(line)
        return
    with capman.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture(scope='session')
def api_port():
    """Chosen before Keystone starts: the catalog's compute endpoint names it."""
    return processes.free_port()


@pytest.fixture(scope='session')
def identity(tmp_path_factory, pytestconfig, api_port):
    """A provisioned Keystone: its URL, the site (for more servers), project and user ids."""
    started = time.monotonic()
    keystone.ensure_venv()
    venv_done = time.monotonic()
    site, server, _ = keystone.start(tmp_path_factory.mktemp('keystone'))
    served = time.monotonic()
    try:
        ids = keystone_identity.provision(server.url, f'http://127.0.0.1:{api_port}/v2.1',
                                          site.admin_password)
        _report(pytestconfig,
                f'Keystone {keystone.KEYSTONE_VERSION}: venv {venv_done - started:.1f}s, '
                f'set up + serving {served - venv_done:.1f}s, provisioned '
                f'{time.monotonic() - served:.1f}s, total {time.monotonic() - started:.1f}s')
        yield {'url': server.url, 'site': site, 'server': server, **ids}
    except Exception:
        print(f'--- keystone log\n{server.log_tail()}')
        raise
    finally:
        site.stop()


@pytest.fixture(scope='session')
def tokens(identity):
    """A project-scoped token per user: demo-member, demo-reader, alt-member, admin."""
    scopes = {'demo-member': 'demo', 'demo-reader': 'demo', 'alt-member': 'alt'}
    out = {user: helpers.issue(identity, user, project) for user, project in scopes.items()}
    out['admin'] = helpers.issue_admin(identity)
    return out


@pytest.fixture(scope='session')
def cluster(identity, tmp_path_factory, api_port):
    """cepheid-api behind auth_token and one compute, as processes, over RabbitMQ + PG."""
    tmp = tmp_path_factory.mktemp('keystone-cluster')
    database = processes.PostgresDatabase()
    vhost = processes.RabbitVhost()
    common = {'transport_url': vhost.url, 'report_interval': 1, 'service_down_time': 10}
    authtoken = dict(keystone_identity.authtoken_options(identity['url']),
                     token_cache_time=TOKEN_CACHE_TIME)
    api_conf = processes.write_conf(tmp / 'api.conf', {
        'DEFAULT': dict(common, host='api-ks'),
        'api': {'auth_strategy': 'keystone', 'port': api_port},
        'database': {'connection': database.url},
        'keystone_authtoken': authtoken,
    })
    compute_conf = processes.write_conf(tmp / 'compute.conf', {
        'DEFAULT': dict(common, host=COMPUTE_HOST, compute_driver='fake')})
    api = processes.ServiceProcess('cepheid.api.cmd', api_conf, tmp / 'api.log')
    compute = processes.ServiceProcess('cepheid.compute.cmd', compute_conf,
                                       tmp / 'compute.log')
    from cepheid.api import manage
    manage.main(['--config-file', api_conf, 'db', 'sync'])
    client = http.Client(f'http://127.0.0.1:{api_port}/v2.1')
    try:
        # The api (and its conductor) first, so the compute's first heartbeat is answered.
        api.start()
        processes.wait_until(lambda: helpers.call(client, 'GET', '')[0] == 200, 60, 'api up')
        compute.start()
        admin = helpers.issue_admin(identity)
        processes.wait_until(lambda: _compute_up(client, admin, compute), 60, 'compute up')
        yield {'client': client, 'procs': [api, compute], 'tmp': tmp}
    except Exception:
        for proc in (api, compute):
            print(f'--- {proc.log_path}\n{proc.log_tail()}')
        raise
    finally:
        for proc in (api, compute):
            proc.stop()
        database.drop()
        vhost.delete()


def _compute_up(client, token, compute):
    """Up in os-services, and consuming: it reports up before its RPC server starts."""
    status, body = client.get('/os-services', token=token)
    return status == 200 and any(
        s['host'] == COMPUTE_HOST and s['state'] == 'up' for s in body['services']
    ) and 'cepheid-compute running on host' in compute.log_tail(200)


@pytest.fixture(scope='session')
def demo_server(cluster, tokens):
    return helpers.create_server(cluster['client'], tokens['demo-member'], 'ks-demo')


@pytest.fixture(scope='session')
def alt_server(cluster, tokens):
    return helpers.create_server(cluster['client'], tokens['alt-member'], 'ks-alt')
