"""``cepheid-api``: the REST API (waitress) plus the conductor RPC server, in 1..N processes.

Only the standard library is imported at module level: with ``[DEFAULT] executor =
eventlet`` the process is monkey-patched in ``main`` before oslo.* or the api modules are
imported. With ``[api] workers = N > 1`` this process binds the listening socket and
supervises N worker processes (``cepheid.api.workers``); each serves the inherited socket
and runs its own conductor RPC server on the shared ``cepheid-api`` topic.
"""

import os
import signal
import socket
import sys
import threading

from cepheid.common import early_config

PROG = 'cepheid-api'


def _parse(argv, executor):
    from cepheid.api import conf as api_conf
    from cepheid.common import config
    conf = config.make_conf(api_conf.register_opts)
    config.parse_args(conf, argv, prog=PROG)
    early_config.check_agrees(conf, executor, prog=PROG)
    return conf


def _stop_event():
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    return stopping


def _bind(conf):
    family = socket.AF_INET6 if ':' in conf.api.listen else socket.AF_INET
    return socket.create_server((conf.api.listen, conf.api.port), family=family, backlog=1024)


def serve(conf, sock, stopping, *, parent_pid=None):
    """One api process: conductor RPC server + waitress on ``sock`` until ``stopping``."""
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
                                   threads=conf.api.threads, sockets=[sock])
    server.start()
    log.info('%s (pid %d, executor %s) serving http://%s:%s/v2.1',
             binaries.shown(conf, PROG), os.getpid(),
             conf.executor, conf.api.listen, server.port)
    while not stopping.wait(1):
        if parent_pid is not None and os.getppid() != parent_pid:
            log.warning('supervisor %d is gone; worker %d stops', parent_pid, os.getpid())
            break
    server.stop()
    conductor.stop()
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    executor = early_config.bootstrap(argv, prog=PROG)
    conf = _parse(argv, executor)
    stopping = _stop_event()
    from cepheid.api import workers
    inherited = workers.inherited_socket()
    if inherited is not None:
        return serve(conf, inherited, stopping, parent_pid=workers.parent_pid())
    sock = _bind(conf)
    if conf.api.workers == 1:
        return serve(conf, sock, stopping)
    return workers.Supervisor(conf, sock, argv).run(stopping)


if __name__ == '__main__':
    sys.exit(main())
