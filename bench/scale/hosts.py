"""One process of many simulated compute hosts: real ComputeServices on the fake driver.

``python -m bench.scale.hosts --config-file compute.conf --prefix scale --first 0
--count 100`` starts hosts ``scale0`` .. ``scale99``, each a ``ComputeService`` with its own
host name, driver, RPC server (its own queues), heartbeats, capacity reports and periodic
power sync. They share the process's oslo.messaging transports: one connection pool for
sends and one reply queue per process. Each RPC server still holds one broker connection of
its own: oslo.messaging's rabbit driver opens a dedicated connection per ``listen()`` (and a
Target names one server), so many hosts cannot share one consuming connection without
reaching into the driver.

It prints ``ready <count>`` once every host reported in, then reads commands on stdin:
``kill <host>`` stops that host as a crash would (no more heartbeats, its RPC server
stops consuming; its queued messages stay in the broker) and answers ``killed <host>``;
``threads`` answers ``threads <json>``: this process's threads counted by kind.
"""

import argparse
import collections
import json
import re
import sys
import threading
import time

from cepheid.common import config
from cepheid.common import rpc
from cepheid.common import startup
from cepheid.compute import conf as compute_conf
from cepheid.compute import service as compute_service

PROG = 'bench-scale-hosts'


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n')[0])
    parser.add_argument('--prefix', default='scale')
    parser.add_argument('--first', type=int, default=0)
    parser.add_argument('--count', type=int, required=True)
    parser.add_argument('--start-threads', type=int, default=8,
                        help='hosts starting at once (each start makes two RPC calls)')
    return parser.parse_known_args(argv)


def crash(service):
    """Stop ``service`` as if its host died: no heartbeat, no consuming, no sync. Returns
    the time.time() of its death: when it stopped beating and consuming, not when the RPC
    server's wait for its connection to close returned (seconds later on a busy machine)."""
    died = time.time()
    service._stop.set()
    service.power_sync.stop()
    # Woken, else the stop waits out its read (up to 10 s); once its connection is closed
    # what arrives stays in the broker.
    service.stop_rpc_server()
    return died


def start_all(services, threads):
    """Start the services, ``threads`` at a time; returns the names that failed."""
    todo = list(services)
    failed = []
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                service = todo.pop()
            try:
                service.start()
            except Exception as exc:
                with lock:
                    failed.append(f'{service.host}: {exc}')

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return failed


def thread_kinds():
    """``{kind: count}`` of this process's threads: the RPC servers' executor workers
    (``common.rpc.RPCExecutor``, up to ``executor_thread_pool_size`` each; futurist's when
    oslo.messaging's own executor runs), the instance queues' workers, and the others by
    their target (``Thread-7 (_loop)`` -> ``_loop``)."""
    kinds = collections.Counter()
    for thread in threading.enumerate():
        if type(thread).__module__.startswith('futurist'):
            kinds['rpc executor (futurist)'] += 1
        elif thread.name.startswith('rpc-executor'):
            kinds['rpc executor'] += 1
        elif thread.name.startswith('instance-op'):
            kinds['instance queue'] += 1
        else:
            kinds[re.sub(r'^Thread-\d+ ', '', re.sub(r'[-_]?\d+$', '', thread.name))] += 1
    return dict(kinds.most_common())


def serve(services):
    """Answer ``kill <host>`` and ``threads`` lines until stdin closes."""
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == 'kill' and words[1] in services:
            died = crash(services[words[1]])
            print(f'killed {words[1]} {died:.3f}', flush=True)
        elif words == ['threads']:
            print(f'threads {json.dumps(thread_kinds())}', flush=True)
        elif words:
            print(f'error unknown command {line.strip()!r}', flush=True)


def main(argv=None):
    args, rest = parse_args(sys.argv[1:] if argv is None else argv)
    conf = config.make_conf(compute_conf.register_opts)
    startup.parse(conf, rest, prog=PROG, description=__doc__)
    rpc.set_listener_max_wait(conf.rpc_listener_max_wait)
    rpc.set_listener_min_wait(conf.rpc_listener_min_wait)   # as cepheid-compute does
    transport = rpc.get_rpc_transport(conf)
    notification_transport = rpc.get_notification_transport(conf)
    services = {}
    for index in range(args.first, args.first + args.count):
        host = f'{args.prefix}{index}'
        services[host] = compute_service.ComputeService(
            conf, host=host, transport=transport,
            notification_transport=notification_transport)
    failed = start_all(list(services.values()), args.start_threads)
    if failed:
        print(f'failed {len(failed)}: {failed[:3]}', flush=True)
        return 1
    startup.freeze_heap()       # as cepheid-compute does once it serves
    print(f'ready {len(services)}', flush=True)
    serve(services)
    return 0


if __name__ == '__main__':
    sys.exit(main())
