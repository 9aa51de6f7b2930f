"""Start-up of the real commands with bad configurations: exit code, one line, time to exit.

Each bad configuration ends the process non-zero within seconds with one line naming the
option, the file and the cause; an unreachable broker is retried (one line per attempt)
with the HTTP port closed, until SIGTERM/SIGINT, which end the process at once.
"""

import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.fixtures import processes

pytestmark = pytest.mark.integration

EXIT_CONFIG = 2
EXIT_LIMIT = 10.0        # seconds from start to exit (imports included, on a loaded machine)
SIGNAL_LIMIT = 2.0       # seconds from the signal to exit
COMMANDS = {'api': 'cepheid.api.cmd', 'compute': 'cepheid.compute.cmd',
            'manage': 'cepheid.api.manage', 'all-in-one': 'cepheid.demo.allinone'}


def run(command, *args, timeout=60):
    """``(exit code, stderr lines, seconds)`` of one finished command."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, '-m', COMMANDS[command], *args],
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stderr.splitlines(), time.monotonic() - started


def conf(tmp_path, name='svc.conf', **sections):
    base = {'DEFAULT': {'transport_url': processes.RABBIT_URL},
            'api': {'auth_strategy': 'noauth2', 'port': processes.free_port(),
                    'workers': 1}}
    for section, options in sections.items():
        base.setdefault(section, {}).update(options)
    return processes.write_conf(tmp_path / name, base)


def assert_one_line(result, *fragments):
    code, lines, seconds = result
    assert code == EXIT_CONFIG, (code, lines)
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines
    assert seconds < EXIT_LIMIT, seconds
    print(f'exit {code} in {seconds:.1f} s: {lines[0]}')
    return lines[0]


@pytest.mark.parametrize('command', ['api', 'manage'])
def test_no_database_connection_is_one_line(tmp_path, command):
    path = conf(tmp_path)
    args = ['--config-file', path] + (['db', 'sync'] if command == 'manage' else [])
    line = assert_one_line(run(command, *args), '[database] connection', path, 'not set')
    assert 'sqlite' not in line


@pytest.mark.parametrize('url,cause', [
    ('postgresql+psycopg://postgres@127.0.0.1:{port}/test', 'Connection refused'),
    ('mysql+pymysql://root@127.0.0.1:{port}/test', "Can't connect"),
])
@pytest.mark.parametrize('command', ['api', 'manage'])
def test_unreachable_database_is_one_line(tmp_path, command, url, cause):
    path = conf(tmp_path, database={'connection': url.format(port=processes.free_port())})
    args = ['--config-file', path] + (['db', 'sync'] if command == 'manage' else [])
    assert_one_line(run(command, *args), '[database] connection', path, 'cannot connect',
                    cause)


def test_database_without_schema_is_one_line(tmp_path):
    path = conf(tmp_path, database={'connection': f'sqlite:///{tmp_path}/empty.sqlite'})
    assert_one_line(run('api', '--config-file', path), '[database] connection', path,
                    'schema revision None', 'cepheid-manage db sync')


@pytest.mark.parametrize('command', ['api', 'compute', 'manage'])
def test_missing_config_file_is_one_line(tmp_path, command):
    missing = str(tmp_path / 'nowhere.conf')
    args = ['--config-file', missing] + (['db', 'sync'] if command == 'manage' else [])
    assert_one_line(run(command, *args), '--config-file', missing, 'no such file')


def test_unparsable_config_file_is_one_line(tmp_path):
    path = tmp_path / 'broken.conf'
    path.write_text('[DEFAULT\ntransport_url = x\n')
    assert_one_line(run('compute', '--config-file', str(path)), str(path), 'cannot parse')


def test_bad_option_value_is_one_line(tmp_path):
    path = conf(tmp_path, api={'port': 'eighty'})
    assert_one_line(run('api', '--config-file', path), '[api] port', path, "'eighty'")


def test_bad_compute_driver_is_one_line(tmp_path):
    path = conf(tmp_path, DEFAULT={'compute_driver': 'nosuch'})
    assert_one_line(run('compute', '--config-file', path), '[DEFAULT] compute_driver', path,
                    'nosuch', 'fake, libvirt')


def test_all_in_one_bad_driver_is_one_line():
    assert_one_line(run('all-in-one', '--driver', 'nosuch'), '--driver nosuch',
                    'not an alias')


@pytest.mark.parametrize('command', ['api', 'compute'])
def test_unknown_transport_is_one_line(tmp_path, command):
    path = conf(tmp_path, DEFAULT={'transport_url': 'rabit://guest:guest@127.0.0.1:5672/'},
                database={'connection': 'sqlite://'})
    assert_one_line(run(command, '--config-file', path), '[DEFAULT] transport_url', path,
                    "unknown transport 'rabit'")


@pytest.mark.parametrize('command,prog', [('api', 'cepheid-api'),
                                          ('compute', 'cepheid-compute'),
                                          ('manage', 'cepheid-manage'),
                                          ('all-in-one', 'cepheid-all-in-one')])
def test_help_starts_with_what_the_program_does(command, prog):
    done = subprocess.run([sys.executable, '-m', COMMANDS[command], '--help'],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    head = '\n'.join(done.stdout.splitlines()[:12])
    assert done.stdout.startswith(prog) or done.stdout.startswith('usage: ' + prog), head
    if command != 'all-in-one':
        assert done.stdout.startswith(f'{prog}: '), head
        for needed in {'api': ['transport_url', '[database] connection'],
                       'compute': ['transport_url', 'compute_driver'],
                       'manage': ['[database] connection', 'db sync']}[command]:
            assert needed in head, head
        assert head.index(needed) < done.stdout.index('--config-dir')


def _broker_down_conf(tmp_path, db):
    dead = f'rabbit://guest:guest@127.0.0.1:{processes.free_port()}/'
    return conf(tmp_path, DEFAULT={'transport_url': dead},
                database={'connection': db}), dead


def _port_refuses(port):
    with socket.socket() as sock:
        return sock.connect_ex(('127.0.0.1', port)) != 0


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
@pytest.mark.parametrize('command', ['api', 'compute'])
def test_broker_down_retries_with_one_line_each_and_stops_at_once(tmp_path, command, sig):
    db = f'sqlite:///{tmp_path}/cepheid.sqlite'
    path, _ = _broker_down_conf(tmp_path, db)
    assert run('manage', '--config-file', path, 'db', 'sync')[0] == 0
    port = int(pathlib.Path(path).read_text().split('port = ')[1].split()[0])
    log = tmp_path / 'out.log'
    with open(log, 'wb') as out:
        proc = subprocess.Popen([sys.executable, '-m', COMMANDS[command], '--config-file', path],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        processes.wait_until(lambda: 'attempt 2:' in log.read_text(), 30, 'second attempt')
        lines = log.read_text().splitlines()
        attempts = [line for line in lines if 'broker not reachable' in line]
        assert len(attempts) == len(lines), lines          # nothing else, no traceback
        assert all('[DEFAULT] transport_url' in line and path in line for line in attempts)
        assert _port_refuses(port)                          # not ready: no HTTP port
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(10)
        seconds = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + sig, log.read_text()
    assert log.read_text().splitlines()[-1].endswith(
        f'stopped by {signal.Signals(sig).name} during start-up')
    assert seconds < SIGNAL_LIMIT, seconds
    print(f'{command}: {len(attempts)} attempt lines, exit {code} {seconds:.2f} s after '
          f'{signal.Signals(sig).name}')


def test_api_port_answers_only_once_ready(tmp_path):
    """With the broker back, the api starts listening (and answers at once) on its own."""
    db = f'sqlite:///{tmp_path}/cepheid.sqlite'
    path, dead = _broker_down_conf(tmp_path, db)
    assert run('manage', '--config-file', path, 'db', 'sync')[0] == 0
    port = int(pathlib.Path(path).read_text().split('port = ')[1].split()[0])
    log = tmp_path / 'api.log'
    proxy = None
    with open(log, 'wb') as out:
        proc = subprocess.Popen([sys.executable, '-m', COMMANDS['api'], '--config-file', path],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        processes.wait_until(lambda: 'attempt 1:' in log.read_text(), 30, 'first attempt')
        assert _port_refuses(port)
        proxy = _TcpForward(int(dead.rsplit(':', 1)[1].rstrip('/')), 5672)
        processes.wait_until(lambda: not _port_refuses(port), 60, 'api listening')
        status = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}',
                                 '-m', '5', f'http://127.0.0.1:{port}/'],
                                capture_output=True, text=True).stdout
        assert status == '200', log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        if proxy is not None:
            proxy.stop()
    assert proc.returncode == 0, log.read_text()


class _TcpForward:
    """A TCP forwarder from ``listen_port`` to the real broker: the broker 'comes back'."""

    def __init__(self, listen_port, target_port):
        self.target_port = target_port
        self.server = socket.create_server(('127.0.0.1', listen_port))
        self.server.settimeout(0.2)
        self.stopping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                continue
            upstream = socket.create_connection(('127.0.0.1', self.target_port))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.stopping.set()
        self.server.close()
