"""The cloud Tempest tests: Keystone on PostgreSQL, cepheid-api (Keystone auth) and two computes.

Every piece is a separate process over the machine's RabbitMQ and PostgreSQL, in throw-away
databases and a private vhost, as the integration tests start them (tests/integration/keystone).
Keystone's own database is on PostgreSQL too: Tempest's dynamic credentials create projects
and users from several workers at once, which SQLite answers with ``database is locked``.
"""

import contextlib
import time

from tests.fixtures import http
from tests.fixtures import keystone
from tests.fixtures import keystone_identity
from tests.fixtures import processes
from tests.tempest import accounts

COMPUTE_HOSTS = ('compute1', 'compute2')
API_WORKERS = 2


class Stack:
    """Start with ``with Stack(workdir, log) as stack``; the attributes describe the cloud."""

    def __init__(self, workdir, log=print):
        self.workdir, self.log = workdir, log
        self.api_port = processes.free_port()
        self.compute_url = f'http://127.0.0.1:{self.api_port}/v2.1'
        self.keystone_url = None
        self.admin_password = keystone.ADMIN_PASSWORD
        self.procs = []
        self._exit = contextlib.ExitStack()

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.dump_logs()
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc):
        self._exit.close()

    def _timed(self, what, func, *args):
        started = time.monotonic()
        result = func(*args)
        self.log(f'{what}: {time.monotonic() - started:.1f}s')
        return result

    def _start(self):
        self._timed('keystone up', self._start_keystone)
        database = processes.PostgresDatabase()
        self._exit.callback(database.drop)
        vhost = processes.RabbitVhost()
        self._exit.callback(vhost.delete)
        api_conf, compute_confs = self._write_confs(database.url, vhost.url)
        from cepheid.api import manage
        self._timed('cepheid db sync', manage.main, ['--config-file', api_conf, 'db', 'sync'])
        self._timed('cepheid up', self._start_services, api_conf, compute_confs)

    def _start_keystone(self):
        database = processes.PostgresDatabase()
        self._exit.callback(database.drop)
        site = keystone.KeystoneSite(self.workdir / 'keystone', database_url=database.url,
                                     venv=keystone.ensure_venv())
        port = processes.free_port()
        site.setup(f'http://127.0.0.1:{port}/v3')
        self._exit.callback(site.stop)
        server = site.serve(port, name='public')
        self.keystone_log = server.log_path
        self.keystone_url = server.url
        keystone_identity.provision(server.url, self.compute_url, site.admin_password)
        accounts.provision(server.url, site.admin_password)

    def _write_confs(self, database_url, transport_url):
        # binary_prefix: os-services names the computes nova-compute, as Tempest expects.
        common = {'transport_url': transport_url, 'report_interval': 1,
                  'service_down_time': 10, 'binary_prefix': 'nova'}
        api_conf = processes.write_conf(self.workdir / 'api.conf', {
            'DEFAULT': dict(common, host='api'),
            'api': {'auth_strategy': 'keystone', 'port': self.api_port,
                    'workers': API_WORKERS},
            'database': {'connection': database_url},
            'keystone_authtoken': keystone_identity.authtoken_options(self.keystone_url),
        })
        compute_confs = {
            host: processes.write_conf(self.workdir / f'{host}.conf', {
                'DEFAULT': dict(common, host=host, compute_driver='fake')})
            for host in COMPUTE_HOSTS}
        return api_conf, compute_confs

    def _service(self, module, conf, name):
        proc = processes.ServiceProcess(module, conf, self.workdir / f'{name}.log')
        self.procs.append(proc)
        self._exit.callback(proc.stop)
        return proc.start()

    def _start_services(self, api_conf, compute_confs):
        # The api (and its conductor) first, so each compute's first heartbeat is answered.
        self._service('cepheid.api.cmd', api_conf, 'api')
        client = http.Client(self.compute_url)
        processes.wait_until(lambda: client.get('', token='-')[0] in (200, 401), 60, 'api up')
        computes = {host: self._service('cepheid.compute.cmd', conf, host)
                    for host, conf in compute_confs.items()}
        token, _ = keystone_identity.issue_token(self.keystone_url, 'admin',
                                                 self.admin_password, project='admin')
        processes.wait_until(lambda: self._computes_up(client, token, computes), 90,
                             'computes up')

    @staticmethod
    def _computes_up(client, token, computes):
        """Up in os-services, and consuming: a compute reports up before its RPC server."""
        status, body = client.get('/os-services', token=token)
        up = {s['host'] for s in body['services'] if s['state'] == 'up'} if status == 200 else ()
        return all(host in up and f'compute running on host {host}' in proc.log_tail(200)
                   for host, proc in computes.items())

    def dump_logs(self, lines=60):
        for proc in self.procs:
            with contextlib.suppress(OSError):
                self.log(f'--- {proc.log_path}\n{proc.log_tail(lines)}')
