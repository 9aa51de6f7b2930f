"""``cepheid-compute``: run the compute service of this host until SIGTERM/SIGINT.

Only the standard library is imported at module level: with ``[DEFAULT] executor =
eventlet`` the process is monkey-patched in ``main`` before oslo.* or the compute modules
are imported.
"""

import signal
import sys
import threading

from cepheid.common import early_config

PROG = 'cepheid-compute'


def _parse(argv, executor):
    from cepheid.common import config
    from cepheid.compute import conf as compute_conf
    conf = config.make_conf(compute_conf.register_opts)
    config.parse_args(conf, argv, prog=PROG)
    early_config.check_agrees(conf, executor, prog=PROG)
    if executor == 'eventlet' and 'libvirt' in conf.compute_driver:
        # libvirt-python blocks in C (its event loop, domain calls): one green hub would stall.
        raise SystemExit(f'{PROG}: the libvirt driver needs executor = threading')
    return conf


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    conf = _parse(argv, early_config.bootstrap(argv, prog=PROG))
    from oslo_log import log as logging

    from cepheid.common import binaries
    from cepheid.compute import service as compute_service
    log = logging.getLogger(__name__)
    try:
        service = compute_service.ComputeService(conf)
    except Exception as exc:
        log.critical('%s cannot start: %s', binaries.shown(conf, PROG), exc)
        return 1
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start()
    log.info('%s running on host %s (executor %s)', binaries.shown(conf, PROG),
             service.host, conf.executor)
    stopping.wait()
    service.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
