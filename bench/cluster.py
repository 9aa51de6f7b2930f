"""Split processes for the benchmark: cepheid-api and N computes over RabbitMQ + PostgreSQL.

Each cluster gets a throw-away PostgreSQL database and a throw-away RabbitMQ vhost (as the
integration tests do: queue names are per vhost, not per exchange), and a notification
Tracker of our own. The api starts first, so the computes' first heartbeat finds its queue.
"""

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
import uuid

from bench import procstat
from bench import tracker as bench_tracker
from cepheid.common import rpc
from tests.fixtures import processes
from tests.fixtures import transport_conf

ADMIN = 'admin:admin-project'
HEADERS = {'Content-Type': 'application/json', 'OpenStack-API-Version': 'compute 2.90',
           'X-Auth-Token': ADMIN}


class HttpClient:
    """JSON over one keep-alive connection per thread (as a real client session would)."""

    def __init__(self, host, port, prefix='/v2.1'):
        self.host, self.port, self.prefix = host, port, prefix
        self._local = threading.local()

    def _conn(self):
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, self.port,
                                                                 timeout=30)
        return conn

    def request(self, method, path, body=None):
        """Returns ``(status, request_id, decoded body or None)``."""
        data = json.dumps(body) if body is not None else None
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, self.prefix + path, body=data, headers=HEADERS)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        return (resp.status, resp.getheader('x-openstack-request-id'),
                json.loads(raw) if raw else None)


class Vhost:
    """A throw-away RabbitMQ vhost; waits (up to ``wait`` s) for a broker that is restarting."""

    def __init__(self, wait=60.0):
        self.name = f'cepheid-bench-{uuid.uuid4().hex[:10]}'
        deadline = time.monotonic() + wait
        while True:
            try:
                self._ctl('add_vhost', self.name)
                self._ctl('set_permissions', '-p', self.name, 'guest', '.*', '.*', '.*')
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
        self.url = f'{processes.RABBIT_URL.rstrip("/")}/{self.name}'

    @staticmethod
    def _ctl(*args):
        subprocess.run(['rabbitmqctl', '-q', *args], check=True, capture_output=True,
                       timeout=60)

    def delete(self):
        self._ctl('delete_vhost', self.name)


class Cluster:
    """``with Cluster(hosts, workdir) as c:`` starts everything and tears it all down."""

    def __init__(self, hosts, workdir, *, api_workers=1, group_commit=None,
                 finish_cast=None, compute_options=None, api_options=None, tracker='lean'):
        self.hosts = list(hosts)
        self.workdir = workdir
        self.api_workers = api_workers
        # [DEFAULT] conductor_group_commit of the computes; None: the service default.
        self.group_commit = group_commit
        # [DEFAULT] conductor_finish_cast of the computes; None: the service default.
        self.finish_cast = finish_cast
        # More [DEFAULT] options of every compute.
        self.compute_options = dict(compute_options or {})
        # More options of the api: {group: {name: value}}.
        self.api_options = api_options or {}
        # How the bench takes notifications: 'lean' (kombu) or 'oslo' (its listener).
        self.tracker_kind = tracker
        self.procs = {}
        self.database = None
        self.vhost = None
        self.tracker = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            for name, proc in self.procs.items():
                if proc.proc is not None:
                    print(f'--- {name} ({proc.log_path})\n{proc.log_tail(15)}', file=sys.stderr)
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.database = processes.PostgresDatabase()
        self.vhost = Vhost()
        port = processes.free_port()
        common = {'transport_url': self.vhost.url}
        sections = {
            'DEFAULT': dict(common, host='api-bench'),
            'api': {'auth_strategy': 'noauth2', 'port': port, 'workers': self.api_workers},
            'database': {'connection': self.database.url},
            # the benchmark runs many servers in one project
            'quota': {'instances': -1, 'cores': -1, 'ram': -1},
        }
        for group, options in self.api_options.items():
            sections.setdefault(group, {}).update(options)
        api_conf = processes.write_conf(self.workdir / 'api.conf', sections)
        subprocess.run([sys.executable, '-m', 'cepheid.api.manage', '--config-file',
                        api_conf, 'db', 'sync'], check=True, capture_output=True, timeout=120)
        self.procs['api'] = processes.ServiceProcess(
            'cepheid.api.cmd', api_conf, self.workdir / 'api.log')
        for host in self.hosts:
            options = dict(common, host=host, compute_driver='fake')
            if self.group_commit is not None:
                options['conductor_group_commit'] = self.group_commit
            if self.finish_cast is not None:
                options['conductor_finish_cast'] = self.finish_cast
            options.update(self.compute_options)
            conf = processes.write_conf(self.workdir / f'{host}.conf', {'DEFAULT': options})
            self.procs[host] = processes.ServiceProcess(
                'cepheid.compute.cmd', conf, self.workdir / f'{host}.log')
        self.client = HttpClient('127.0.0.1', port)
        self.procs['api'].start()
        processes.wait_until(lambda: self.client.request('GET', '/os-services')[0] == 200,
                             60, 'api up', interval=0.1)
        for host in self.hosts:
            self.procs[host].start()
        processes.wait_until(self._computes_up, 60, 'computes up', interval=0.1)
        self.tracker = self._make_tracker()
        return self

    def _make_tracker(self, kind=bench_tracker.Tracker):
        """A started ``kind`` (a Tracker) on the cluster's vhost, lean or oslo.messaging's
        as ``tracker`` asked."""
        conf = transport_conf.conf_for(self.vhost.url)
        return kind(rpc.get_notification_transport(conf),
                    lean_conf=conf if self.tracker_kind == 'lean' else None).start()

    def _computes_up(self):
        status, _, body = self.client.request('GET', '/os-services')
        up = {s['host'] for s in body['services']
              if s['binary'] == 'cepheid-compute' and s['state'] == 'up'}
        return status == 200 and set(self.hosts) <= up

    def pid(self, name):
        return self.procs[name].proc.pid

    def api_pids(self):
        """The api process and its worker processes (``[api] workers`` > 1)."""
        return procstat.process_tree(self.pid('api'))

    def compute_pids(self):
        return [self.pid(host) for host in self.hosts]

    def stop(self):
        if self.tracker is not None:
            self.tracker.stop()
        running = [p for p in self.procs.values() if p.proc and p.proc.poll() is None]
        for proc in running:  # all at once: each takes seconds to stop gracefully
            proc.proc.send_signal(signal.SIGTERM)
        for proc in running:
            proc.stop()
        for what, cleanup in (('database', self.database and self.database.drop),
                              ('vhost', self.vhost and self.vhost.delete)):
            try:
                if cleanup:
                    cleanup()
            except Exception as exc:  # a broker restarting under us: say so, go on
                print(f'warning: could not remove the {what}: {exc}', file=sys.stderr)

    # -- load helpers ------------------------------------------------------------
    def post_reboot(self, server_id, reboot_type='SOFT'):
        status, request_id, _ = self.client.request(
            'POST', f'/servers/{server_id}/action', {'reboot': {'type': reboot_type}})
        return status, request_id

    def create_servers(self, count, *, threads=16, timeout=300):
        """``count`` servers spread round-robin over the hosts, waited for ACTIVE."""
        return create_servers(self._post_create, self.hosts, self.tracker, count,
                              threads=threads, timeout=timeout)

    def _post_create(self, body):
        status, request_id, reply = self.client.request('POST', '/servers', body)
        return status, request_id, reply


def create_servers(post_create, hosts, tracker, count, *, threads, timeout):
    """Create ``count`` servers through ``post_create(body)``; wait for instance.create.end."""
    lock = threading.Lock()
    created, request_ids, tickets = [], [], iter(range(count))
    deadline = time.monotonic() + timeout

    def worker():
        while time.monotonic() < deadline:
            with lock:
                index = next(tickets, None)
            if index is None:
                return
            status, request_id, reply = post_create({'server': {
                'name': f'bench-{index}', 'flavorRef': '1',
                'availability_zone': f'nova:{hosts[index % len(hosts)]}'}})
            if status != 202:
                raise RuntimeError(f'create failed: {status} {reply}')
            with lock:
                created.append(reply['server']['id'])
                request_ids.append(request_id)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(max(0.0, deadline - time.monotonic()))
    ready = tracker.wait_all(request_ids, max(1.0, deadline - time.monotonic()))
    if ready != count:
        raise RuntimeError(f'only {ready} of {count} servers became ACTIVE in time')
    return created
