"""``cepheid-api``: the REST API (waitress) plus the conductor RPC server, in 1..N processes.

Only the standard library is imported at module level: with ``[DEFAULT] executor =
eventlet`` the process is monkey-patched in ``main`` before oslo.* or the api modules are
imported. With ``[api] workers = N > 1`` this process binds the listening socket and
supervises N worker processes (``cepheid.api.workers``); each serves the inherited socket
and runs its own conductor RPC server on the shared ``cepheid-api`` topic.
"""

import os
import shutil
import signal
import socket
import sys
import threading

from cepheid.common import early_config
from cepheid.common import startup

PROG = 'cepheid-api'
DESCRIPTION = """\
cepheid-api: the Cepheid REST API (OpenStack Nova's /v2.1 compute API for instance
lifecycle actions) and the conductor RPC server through which computes write the database.

It needs, in a --config-file:
  [DEFAULT] transport_url   the RabbitMQ broker, e.g. rabbit://user:pass@mq-host:5672/cepheid
  [database] connection     the SQLAlchemy URL of the database (run cepheid-manage db sync)
  [api] auth_strategy       keystone (with [keystone_authtoken]) or noauth2 (tests, demos)
and may set [api] listen/port (127.0.0.1:8774), [api] workers, [DEFAULT] host.
It listens only once the database and the broker answer. Every option:
"""


def _parse(argv, executor):
    from cepheid.api import conf as api_conf
    from cepheid.common import config
    conf = config.make_conf(api_conf.register_opts)
    startup.parse(conf, argv, prog=PROG, description=DESCRIPTION)
    early_config.check_agrees(conf, executor, prog=PROG)
    return conf


def _stop_event():
    """Once serving, SIGTERM/SIGINT ask for a graceful stop."""
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    return stopping


def _bind(conf):
    """The bound socket, not yet listening: waitress listens once the service is ready."""
    family = socket.AF_INET6 if ':' in conf.api.listen else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((conf.api.listen, conf.api.port))
    except OSError as exc:
        sock.close()
        raise startup.StartupError(
            f'{startup.where(conf, "port", "api")}: cannot listen on '
            f'{conf.api.listen}:{conf.api.port}: {exc.strerror}') from exc
    return sock


def serve(conf, sock, stopping, *, parent_pid=None):
    """One api process: conductor RPC server, then waitress on ``sock`` (it listens only
    now), until ``stopping`` (made here, once serving, when None)."""
    from oslo_log import log as logging

    from cepheid.api import app as api_app
    from cepheid.api import service as api_service
    from cepheid.api import wsgi as api_wsgi
    from cepheid.common import binaries
    log = logging.getLogger(__name__)
    services = api_service.ApiServices(conf)
    conductor = api_service.ConductorService(conf, services)
    conductor.start()
    server = api_wsgi.ServerThread(api_app.create_app(conf, services),
                                   threads=conf.api.threads, sockets=[sock],
                                   connection_limit=conf.api.max_connections)
    # The graceful stop is in place before the port answers: a SIGTERM sent as soon as a
    # request was served stops the service, not its start-up (exit 0, not 143).
    stopping = stopping or _stop_event()
    server.start()
    startup.freeze_heap()
    log.info('%s (pid %d, executor %s) serving http://%s:%s/v2.1',
             binaries.shown(conf, PROG), os.getpid(),
             conf.executor, conf.api.listen, server.port)
    while not stopping.wait(1):
        if parent_pid is not None and os.getppid() != parent_pid:
            log.warning('supervisor %d is gone; worker %d stops', parent_pid, os.getpid())
            break
    services.dashboard.hub.close()   # ends the dashboard's open event streams
    server.stop()
    conductor.stop()
    return 0


def _start(argv):
    executor = early_config.bootstrap(argv, prog=PROG)
    conf = _parse(argv, executor)
    from oslo_log import log as logging

    from cepheid.api import startup_checks
    from cepheid.api import workers
    inherited = workers.inherited_socket()
    if inherited is not None:   # the supervisor checked the database and the broker
        return serve(conf, inherited, None, parent_pid=workers.parent_pid())
    startup.check_transport(conf)
    startup_checks.check_database(conf)
    startup.wait_for_broker(conf, logging.getLogger(__name__))
    sock = _bind(conf)
    if conf.api.workers == 1:
        return serve(conf, sock, None)
    from cepheid.common import metrics
    samples = metrics.use_multiprocess_dir()   # workers' /metrics answer for all of them
    try:
        return workers.Supervisor(conf, sock, argv).run(_stop_event())
    finally:
        shutil.rmtree(samples, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    return startup.run(PROG, lambda: _start(argv))


if __name__ == '__main__':
    sys.exit(main())
