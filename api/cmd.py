"""``cepheid-api``: the REST API (waitress) plus the conductor RPC server, in one process."""

import signal
import sys
import threading

from oslo_log import log as logging

from cepheid.api import conf as api_conf
from cepheid.common import config

LOG = logging.getLogger(__name__)


def main(argv=None):
    conf = config.make_conf(api_conf.register_opts)
    config.parse_args(conf, sys.argv[1:] if argv is None else argv, prog='cepheid-api')
    from cepheid.api import app as api_app
    from cepheid.api import service as api_service
    from cepheid.api import wsgi as api_wsgi
    services = api_service.ApiServices(conf)
    conductor = api_service.ConductorService(conf, services)
    conductor.start()
    server = api_wsgi.ServerThread(api_app.create_app(conf, services), conf.api.listen,
                                   conf.api.port, threads=conf.api.threads)
    server.start()
    LOG.info('cepheid-api listening on http://%s:%s/v2.1', conf.api.listen, server.port)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    stopping.wait()
    server.stop()
    conductor.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
