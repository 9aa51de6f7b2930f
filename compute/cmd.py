"""``cepheid-compute``: run the compute service of this host until SIGTERM/SIGINT.

Only the standard library is imported at module level: with ``[DEFAULT] executor =
eventlet`` the process is monkey-patched in ``main`` before oslo.* or the compute modules
are imported. A bad configuration ends it with one line (``common/startup.py``); an
unreachable broker is retried, one line per attempt, until it answers or a signal comes.
"""

import signal
import sys
import threading

from cepheid.common import early_config
from cepheid.common import startup

PROG = 'cepheid-compute'
DESCRIPTION = """\
cepheid-compute: the compute service of one host. It runs the instance lifecycle actions
(reboot, start/stop, pause, suspend, ...) that cepheid-api casts to it, on a virt driver.

It needs, in a --config-file:
  [DEFAULT] transport_url   the RabbitMQ broker of the api, e.g. rabbit://user:pass@mq-host/cepheid
  [DEFAULT] host            this host's unique name (default: the machine's hostname)
  [DEFAULT] compute_driver  fake or libvirt (then [libvirt] connection_uri, instances_path)
and no database or Keystone credentials. Every option:
"""


def _parse(argv, executor):
    from cepheid.common import config
    from cepheid.compute import conf as compute_conf
    conf = config.make_conf(compute_conf.register_opts)
    startup.parse(conf, argv, prog=PROG, description=DESCRIPTION)
    early_config.check_agrees(conf, executor, prog=PROG)
    if executor == 'eventlet' and 'libvirt' in conf.compute_driver:
        # libvirt-python blocks in C (its event loop, domain calls): one green hub would stall.
        raise startup.StartupError(
            f'{startup.where(conf, "compute_driver")}: the libvirt driver needs '
            f'[DEFAULT] executor = threading')
    return conf


def _service(conf):
    from cepheid.common import exception
    from cepheid.compute import service as compute_service
    try:
        return compute_service.ComputeService(conf)
    except exception.VirtDriverNotFound as exc:
        raise startup.StartupError(
            f'{startup.where(conf, "compute_driver")}: {exc.format_message()}') from exc
    except Exception as exc:
        raise startup.StartupError(f'cannot start: {" ".join(str(exc).split())}') from exc


def _start(argv):
    conf = _parse(argv, early_config.bootstrap(argv, prog=PROG))
    from oslo_log import log as logging

    from cepheid.common import binaries
    from cepheid.common import rpc
    log = logging.getLogger(__name__)
    startup.check_transport(conf)
    rpc.set_listener_max_wait(conf.rpc_listener_max_wait)
    rpc.set_listener_min_wait(conf.rpc_listener_min_wait)
    service = _service(conf)
    startup.wait_for_broker(conf, log)
    service.start()
    startup.freeze_heap()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    log.info('%s running on host %s (executor %s)', binaries.shown(conf, PROG),
             service.host, conf.executor)
    stopping.wait()
    service.stop()
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    return startup.run(PROG, lambda: _start(argv))


if __name__ == '__main__':
    sys.exit(main())
