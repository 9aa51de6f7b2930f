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


def _bootstrap(argv):
    """Monkey-patch first thing when the eventlet executor is chosen; return the choice."""
    executor = early_config.executor(argv, prog=PROG)
    if executor == 'eventlet':
        import eventlet
        eventlet.monkey_patch()
    return executor


def _parse(argv, executor):
    from cepheid.common import config
    from cepheid.compute import conf as compute_conf
    conf = config.make_conf(compute_conf.register_opts)
    config.parse_args(conf, argv, prog=PROG)
    if conf.executor != executor:
        raise SystemExit(f'{PROG}: [DEFAULT] executor is {conf.executor!r} but the start-up '
                         f'read gave {executor!r}; set it in a config file or '
                         f'{early_config.ENV_VAR}')
    if executor == 'eventlet' and 'libvirt' in conf.compute_driver:
        # libvirt-python blocks in C (its event loop, domain calls): one green hub would stall.
        raise SystemExit(f'{PROG}: the libvirt driver needs executor = threading')
    return conf


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    conf = _parse(argv, _bootstrap(argv))
    from oslo_log import log as logging

    from cepheid.compute import service as compute_service
    log = logging.getLogger(__name__)
    try:
        service = compute_service.ComputeService(conf)
    except Exception as exc:
        log.critical('cepheid-compute cannot start: %s', exc)
        return 1
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start()
    log.info('cepheid-compute running on host %s (executor %s)', service.host, conf.executor)
    stopping.wait()
    service.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
