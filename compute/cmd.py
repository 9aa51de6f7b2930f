"""``cepheid-compute``: run the compute service of this host until SIGTERM/SIGINT."""

import signal
import sys
import threading

from oslo_log import log as logging

from cepheid.common import config
from cepheid.compute import conf as compute_conf

LOG = logging.getLogger(__name__)


def main(argv=None):
    conf = config.make_conf(compute_conf.register_opts)
    config.parse_args(conf, sys.argv[1:] if argv is None else argv, prog='cepheid-compute')
    from cepheid.compute import service as compute_service
    try:
        service = compute_service.ComputeService(conf)
    except Exception as exc:
        LOG.critical('cepheid-compute cannot start: %s', exc)
        return 1
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start()
    LOG.info('cepheid-compute running on host %s', service.host)
    stopping.wait()
    service.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
