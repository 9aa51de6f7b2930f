"""The scale cluster: one cepheid-api (with its workers) and N simulated hosts in a few
processes, over a throw-away RabbitMQ vhost and PostgreSQL database.

Hosts are ``scale0`` .. ``scale<N-1>``, ``per_process`` of them per ``bench.scale.hosts``
process. Quotas are unlimited (many servers in one project).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg

from bench import cluster as bench_cluster
from bench import procstat
from tests.fixtures import processes

PREFIX = 'scale'


def system_broker_pids():
    """beam.smp of the machine's RabbitMQ (home /var/lib/rabbitmq), not of test clusters
    or rabbitmqctl; ``CEPHEID_SCALE_BROKER_PIDS`` (comma-separated) names a private broker
    the run uses instead (with ``CEPHEID_RABBIT_URL`` and ``RABBITMQ_NODENAME``)."""
    if os.environ.get('CEPHEID_SCALE_BROKER_PIDS'):
        return [int(p) for p in os.environ['CEPHEID_SCALE_BROKER_PIDS'].split(',')]
    found = []
    for pid in procstat.broker_pids():
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                args = f.read().split(b'\0')
        except OSError:
            continue
        if b'/var/lib/rabbitmq' in args and b'-noinput' in args:
            found.append(pid)
    return found


def broker_fd_headroom():
    """Open files the system RabbitMQ may still open (its soft limit minus those open), or
    None when it cannot be read. Each host holds a connection, a file descriptor there."""
    for pid in system_broker_pids():
        try:
            with open(f'/proc/{pid}/limits') as f:
                soft = next(line.split()[3] for line in f if line.startswith('Max open files'))
            return int(soft) - len(os.listdir(f'/proc/{pid}/fd'))
        except (OSError, StopIteration, ValueError):
            return None
    return None


def check_broker_capacity(hosts, processes_count, margin=100):
    """Refuse a run the shared broker cannot take: past its open-files limit RabbitMQ stops
    accepting connections and, under the load, can lose its tables (seen at ~900 hosts
    with the Debian default of 1024), which breaks every other user of it."""
    headroom = broker_fd_headroom()
    needed = hosts + 10 * processes_count + margin
    if headroom is not None and needed > headroom:
        raise RuntimeError(
            f'{hosts} hosts need about {needed} more open files in RabbitMQ, which has '
            f'{headroom} left: raise its limit (ulimit -n before rabbitmq-server) first')


class HostProcess:
    """One ``bench.scale.hosts`` child; ``kill(host)`` crashes one of its hosts."""

    def __init__(self, conf_path, log_path, *, first, count, nice=0):
        self.hosts = [f'{PREFIX}{i}' for i in range(first, first + count)]
        self.log_path = log_path
        self._lines = []
        self._cond = threading.Condition()
        with open(log_path, 'ab') as log:
            # A niceness stands in for hosts on machines of their own: the api, the
            # broker and the database get the cores first.
            prefix = ['nice', '-n', str(nice)] if nice else []
            self.proc = subprocess.Popen(
                prefix + [sys.executable, '-m', 'bench.scale.hosts', '--first', str(first),
                 '--count', str(count), '--prefix', PREFIX, '--config-file', conf_path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                start_new_session=True, preexec_fn=processes.dies_with_parent())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        """Keep the command answers; everything (oslo.log writes to stdout) goes to the log."""
        with open(self.log_path, 'a') as log:
            for line in self.proc.stdout:
                log.write(line)
                self._record(line)

    def _record(self, line):
        if line[:1].islower():
            with self._cond:
                self._lines.append(line.strip())
                self._cond.notify_all()

    def expect(self, prefix, timeout):
        """The first output line starting with ``prefix`` (waits up to ``timeout`` s); an
        answer is taken once (``ready`` stays)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines:
                    if line.startswith(prefix):
                        if prefix != 'ready':
                            self._lines.remove(line)
                        return line
                    if line.startswith('failed'):
                        raise RuntimeError(f'hosts process failed: {line}')
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f'no {prefix!r} from the hosts process '
                                       f'(log {self.log_path})')
                self._cond.wait(min(left, 1.0))

    def kill(self, host):
        """Crash ``host``; returns the time.time() its process stopped it."""
        with self._cond:
            self.proc.stdin.write(f'kill {host}\n')
            self.proc.stdin.flush()
        return float(self.expect(f'killed {host} ', 30).split()[2])

    def threads(self, timeout=30):
        """``{kind: count}`` of the process's threads (see hosts.thread_kinds)."""
        with self._cond:
            self.proc.stdin.write('threads\n')
            self.proc.stdin.flush()
        return json.loads(self.expect('threads ', timeout).split(' ', 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)   # crashes, as hosts do; nothing to flush
        self.proc.wait(30)


class ScaleCluster(bench_cluster.Cluster):
    """``with ScaleCluster(n, workdir, ...) as c:`` — api, hosts processes, tracker."""

    def __init__(self, hosts, workdir, *, per_process=100, api_workers=2, api_options=None,
                 host_options=None, hosts_nice=0, tracker='lean'):
        super().__init__([f'{PREFIX}{i}' for i in range(hosts)], workdir,
                         api_workers=api_workers, tracker=tracker)
        self.per_process = per_process
        self.api_options = api_options or {}
        self.host_options = host_options or {}
        self.hosts_nice = hosts_nice
        self.host_procs = []

    def start(self):
        check_broker_capacity(len(self.hosts), -(-len(self.hosts) // self.per_process))
        self.database = processes.PostgresDatabase()
        self.vhost = bench_cluster.Vhost()
        port = processes.free_port()
        common = dict(self.api_options.get('DEFAULT', {}), transport_url=self.vhost.url)
        sections = {
            'DEFAULT': dict(common, host='api-scale'),
            'api': dict({'auth_strategy': 'noauth2', 'port': port,
                         'workers': self.api_workers}, **self.api_options.get('api', {})),
            'database': {'connection': self.database.url},
            'quota': {'instances': -1, 'cores': -1, 'ram': -1},
        }
        for group, options in self.api_options.items():   # e.g. bench scale --api-set
            if group not in ('DEFAULT', 'api'):
                sections.setdefault(group, {}).update(options)
        api_conf = processes.write_conf(self.workdir / 'api.conf', sections)
        subprocess.run([sys.executable, '-m', 'cepheid.api.manage', '--config-file',
                        api_conf, 'db', 'sync'], check=True, capture_output=True, timeout=120)
        self.procs['api'] = processes.ServiceProcess(
            'cepheid.api.cmd', api_conf, self.workdir / 'api.log')
        self.client = bench_cluster.HttpClient('127.0.0.1', port)
        self.procs['api'].start()
        processes.wait_until(lambda: self.client.request('GET', '/os-services')[0] == 200,
                             60, 'api up', interval=0.2)
        host_conf = processes.write_conf(self.workdir / 'hosts.conf', {
            'DEFAULT': dict(self.host_options, transport_url=self.vhost.url,
                            compute_driver='fake')})
        for first in range(0, len(self.hosts), self.per_process):
            count = min(self.per_process, len(self.hosts) - first)
            self.host_procs.append(HostProcess(
                host_conf, self.workdir / f'hosts-{first}.log', first=first, count=count,
                nice=self.hosts_nice))
        for proc in self.host_procs:
            proc.expect('ready', 120 + 2 * len(proc.hosts))
        processes.wait_until(self._computes_up, 60, 'computes up', interval=0.5)
        self.tracker = self._make_tracker()
        return self

    def create_servers(self, count, *, threads=16, timeout=1800):
        """``count`` servers round-robin over the hosts, ``threads`` POSTs at once; waits
        (on the database) until none is building. Returns ``(active ids, errors)``: a
        create the scheduler refused (NoValidHost: its forced host looked down) ends in
        ERROR without a terminal notification, so it is counted here, not waited for."""
        tickets, created, lock = iter(range(count)), [], threading.Lock()

        def worker():
            while True:
                with lock:
                    index = next(tickets, None)
                if index is None:
                    return
                status, _, reply = self.client.request('POST', '/servers', {'server': {
                    'name': f'bench-{index}', 'flavorRef': '1',
                    'availability_zone': f'nova:{self.hosts[index % len(self.hosts)]}'}})
                if status != 202:
                    raise RuntimeError(f'create failed: {status} {reply}')
                with lock:
                    created.append(reply['server']['id'])

        workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout)
        processes.wait_until(lambda: not self._states().get('building'), timeout,
                             'servers built', interval=2)
        self.analyze()
        states = self._states(uuids=True)
        active = set(states.get('active', ()))
        return [u for u in created if u in active], len(states.get('error', ()))

    def analyze(self):
        """ANALYZE the database, as autovacuum does in a deployment soon after the
        servers are created (50 + 10 % of a table's rows changed). This machine's
        PostgreSQL runs with autovacuum off: without statistics the planner took the
        (project_id, deleted) index for the power sync's ``instances_on_host`` and the
        watchdog's stuck-task scan, and read every server's row for each."""
        url = self.database.url.replace('postgresql+psycopg://', 'postgresql://')
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute('ANALYZE')

    def _states(self, uuids=False):
        """``{vm_state: [uuid, ...]}`` of the live servers (``building``: also any with a
        task_state)."""
        url = self.database.url.replace('postgresql+psycopg://', 'postgresql://')
        with psycopg.connect(url) as conn:
            rows = conn.execute('SELECT uuid, vm_state, task_state FROM instances '
                                'WHERE deleted = 0').fetchall()
        out = {}
        for uuid, vm_state, task_state in rows:
            out.setdefault('building' if task_state else vm_state, []).append(uuid)
        return out

    def _make_tracker(self):
        from bench.scale import storm
        return super()._make_tracker(storm.CountingTracker)

    def host_pids(self):
        return [p.proc.pid for p in self.host_procs]

    def process_of(self, host):
        return next(p for p in self.host_procs if host in p.hosts)

    def service_states(self):
        """``{host: 'up' | 'down'}`` of the compute services, as os-services shows them."""
        status, _, body = self.client.request('GET', '/os-services?binary=cepheid-compute')
        if status != 200:
            raise RuntimeError(f'os-services answered {status}')
        return {s['host']: s['state'] for s in body['services']}

    def groups(self):
        """CPU groups: the api tree, the hosts processes, the system RabbitMQ (not the
        brokers other test runs start) and PostgreSQL without other databases' backends."""
        return {'api': self.api_pids, 'hosts': self.host_pids,
                'broker': system_broker_pids, 'db': self.database_pids}

    def database_pids(self):
        """The postgres processes but the backends serving other databases."""
        with psycopg.connect(processes.PG_ADMIN_URL, autocommit=True) as conn:
            others = {row[0] for row in conn.execute(
                'SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL '
                'AND datname <> %s AND pid <> pg_backend_pid()', (self.database.name,))}
        return [pid for pid in procstat.database_pids() if pid not in others]

    def stop(self):
        for proc in self.host_procs:
            try:
                proc.stop()
            except Exception as exc:
                print(f'warning: hosts process {proc.proc.pid}: {exc}', file=sys.stderr)
        super().stop()
