"""The api's CPU per heartbeat, measured on a backlog: ``python -m bench.scale.heartbeat_cost``.

An idle api's cost per heartbeat is a fraction of a millisecond at 100 beats a second,
below what this shared machine's noise lets an idle window show. Here the beats are made
to queue up first: ``--beats`` heartbeats from ``--hosts`` fake hosts are published to the
heartbeat topic of a throw-away RabbitMQ vhost, each exactly the cast a compute sends
(``compute/conductor_rpcapi.ConductorAPI.service_heartbeat`` through an oslo.messaging
RPCClient, with the capacity report ``compute/resource_tracker`` adds every 6th beat),
while the api's heartbeat consumer does not run. Then the consumer and the batcher start
in this process (flushing to a throw-away PostgreSQL database whose service rows hold one
beat each, as a running api's would) and the CPU it takes to drain and flush them all is
measured: this process (and its consumer and flush threads), RabbitMQ's ``beam.smp`` and
PostgreSQL (upper bounds: other users of this machine count too). The publish phase's
broker CPU is printed as well (what the computes' beats cost the broker to take in).

``--rate R`` (steady mode) measures what an idle api sees instead: the consumer runs
while another process publishes R beats a second (100: 1,000 hosts at ``report_interval``
10); each beat then arrives alone and wakes the consumer, which a backlog hides.
``--transient`` publishes the backlog from one kombu producer, transient and unconfirmed,
to compare the broker's publish cost with oslo.messaging's (``--delivery-mode 2`` and
``--confirm`` put persistence or publisher confirms back, one at a time). ``--lean``
publishes (either mode) through the compute's own lean heartbeat publisher
(``compute/heartbeat_publisher.py``, what a compute does by default) instead of
oslo.messaging's casts.

At the end every service row must hold all its beats (``report_count``) and a
``last_seen_up`` after the last beat was published. Figures are per heartbeat; ``--runs``
repeats the run (a fresh vhost and database each) to show the spread.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import kombu
import sqlalchemy as sa
from oslo_messaging._drivers import common as rpc_common

from bench import cluster as bench_cluster
from bench import procstat
from bench.scale import cluster as scale_cluster
from cepheid.api import conf as api_conf
from cepheid.api import heartbeat_consumer
from cepheid.api import heartbeats
from cepheid.api import kombu_consumer
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conf as compute_conf
from cepheid.compute import heartbeat_publisher
from cepheid.compute import resource_tracker
from cepheid.compute.virt import fake
from tests.fixtures import processes

BINARY = 'cepheid-compute'


def thread_cpu(native_id, fields=(11, 12)):
    """utime + stime (s) of one thread of this process (``fields=(12,)``: stime only)."""
    with open(f'/proc/self/task/{native_id}/stat') as f:
        stat = f.read().rsplit(')', 1)[1].split()
    return sum(int(stat[i]) for i in fields) / procstat.CLK_TCK


def _confs(url, db_url, flush_interval):
    api = config.make_conf(api_conf.register_opts)
    api([], default_config_files=[])
    api.set_override('transport_url', url)
    api.set_override('connection', db_url, group='database')
    api.set_override('heartbeat_flush_interval', flush_interval, group='api')
    compute = config.make_conf(compute_conf.register_opts)
    compute([], default_config_files=[])
    compute.set_override('transport_url', url)
    return api, compute


def declare_queue(conf):
    """The heartbeat queue, declared as the api's consumer declares it."""
    queue = heartbeat_consumer.HeartbeatConsumer(conf, lambda **beat: None).queue
    with kombu.Connection(kombu_consumer.broker_urls(conf)[0]) as conn:
        queue(conn.default_channel).declare()


def _tracker(conf, driver, host, index):
    """The capacity reports of a compute that has been up a while: its first one sent
    (with its called heartbeat), the next due in 1 to 6 beats (hosts out of phase)."""
    tracker = resource_tracker.ResourceTracker(conf, driver, host)
    tracker.due(force=True)
    for _ in range(index % resource_tracker.RESOURCES_EVERY):
        tracker.due()
    return tracker


def publish(conf, hosts, beats, threads, rate=None, lean=False):
    """``beats`` heartbeats round-robin from ``hosts``, as their computes send them (at
    ``rate`` a second in all, or as fast as ``threads`` senders go); ``lean``: through
    the compute's lean publisher (compute/heartbeat_publisher.py, one connection shared
    by the hosts as in a compute process), else oslo.messaging's casts."""
    transport = rpc.get_rpc_transport(conf)
    client = rpc.get_client(transport, heartbeat_consumer.TOPIC,
                            version=conductor_rpcapi.VERSION)
    publisher = heartbeat_publisher.for_conf(conf) if lean else None
    driver = fake.FakeDriver(conf)
    senders = []
    for index, host in enumerate(hosts):
        api = conductor_rpcapi.ConductorAPI(transport, host=host,
                                            heartbeat_publisher=publisher)
        api.heartbeat_client = client      # as after the api named its heartbeat topic
        senders.append((api, _tracker(conf, driver, host, index)))
    ctx = cep_context.get_admin_context()
    order = [senders[i % len(senders)] for i in range(beats)]
    start = time.monotonic() + 0.5

    def send(index):
        for n, (api, tracker) in enumerate(order[index::threads]):
            if rate:
                time.sleep(max(0.0, start + (n * threads + index) / rate - time.monotonic()))
            api.service_heartbeat(ctx, binary=BINARY, topic='compute',
                                  resources=tracker.due())

    workers = [threading.Thread(target=send, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    transport.cleanup()
    if publisher is not None and publisher.declined:
        print(f'lean publisher: {publisher.declined} beats handed back to oslo.messaging',
              file=sys.stderr)
    return {api.host: order.count((api, tracker)) for api, tracker in senders}


def publish_transient(conf, hosts, beats, *, delivery_mode=1, confirm=False):
    """The same beats as ``publish``, each the body oslo.messaging would send, but from
    the bench's own kombu producer: transient and without publisher confirms by default
    (oslo.messaging confirms every publish and leaves the delivery mode persistent);
    ``delivery_mode`` 2 and ``confirm`` put either back, to see which costs the broker."""
    driver = fake.FakeDriver(conf)
    trackers = [_tracker(conf, driver, host, i) for i, host in enumerate(hosts)]
    context = {f'_context_{k}': v for k, v in
               cep_context.get_admin_context().to_dict().items()}
    exchange = kombu.Exchange(conf.control_exchange, 'topic', durable=True)
    sent = dict.fromkeys(hosts, 0)
    options = {'confirm_publish': True} if confirm else {}
    with kombu.Connection(kombu_consumer.broker_urls(conf)[0],
                          transport_options=options) as conn:
        producer = conn.Producer()
        for i in range(beats):
            host, tracker = hosts[i % len(hosts)], trackers[i % len(hosts)]
            resources = tracker.due()
            args = {'host': host, 'binary': BINARY, 'topic': 'compute'}
            if resources is not None:
                args['resources'] = resources
            msg = dict(context, method='service_heartbeat', args=args,
                       version='1.3' if resources is not None else '1.0',
                       _unique_id=uuid.uuid4().hex)
            producer.publish(rpc_common.serialize_msg(msg), exchange=exchange,
                             routing_key=heartbeat_consumer.TOPIC,
                             delivery_mode=delivery_mode,
                             serializer='json')
            sent[host] += 1
    return sent


class CountingBatcher(heartbeats.HeartbeatBatcher):
    """The api's batcher, counting its flushes and the service rows they wrote."""

    flushes = rows = 0
    cpu = 0.0           # CPU seconds spent in flush, whichever thread ran it

    def flush(self):
        before = time.thread_time()
        written = super().flush()
        self.cpu += time.thread_time() - before
        if written:
            self.flushes += 1
            self.rows += written
        return written


class Api:
    """The api's heartbeat consumer and batcher in this process, and their CPU."""

    def __init__(self, conf, batcher):
        self.batcher = batcher
        self.consumer = heartbeat_consumer.HeartbeatConsumer(conf, batcher.record)
        self.meter = procstat.CpuMeter({'api': lambda: [os.getpid()],
                                        'broker': scale_cluster.system_broker_pids,
                                        'db': procstat.database_pids})

    def start(self):
        self.batcher.start()
        self.consumer.start()
        self.tids = {'consumer': self.consumer._threads[0].native_id}

    @property
    def taken(self):
        return self.consumer.received + self.consumer.dropped

    def wait_for(self, beats, timeout):
        deadline = time.monotonic() + timeout
        while self.taken < beats:
            if time.monotonic() > deadline:
                raise RuntimeError(f'{self.taken} of {beats} beats consumed')
            time.sleep(0.2)

    def begin(self):
        """Start counting: CPU, beats taken, rows flushed."""
        self.meter.start()
        self._threads0 = {name: thread_cpu(tid) for name, tid in self.tids.items()}
        self._sys0 = thread_cpu(self.tids['consumer'], (12,))
        self._counts0 = (self.taken, self.batcher.flushes, self.batcher.rows,
                         self.batcher.cpu)

    def end(self, *, stop=False):
        """CPU and counts since ``begin`` (``stop``: the consumer and the last flush too)."""
        cpu = {name: thread_cpu(tid) - self._threads0[name] for name, tid in self.tids.items()}
        cpu['consumer_sys'] = thread_cpu(self.tids['consumer'], (12,)) - self._sys0
        if stop:
            self.consumer.stop()
            self.batcher.stop()              # and its last flush
        cpu.update(self.meter.stop())
        taken, flushes, rows, cpu['flush'] = (now - then for now, then in zip(
            (self.taken, self.batcher.flushes, self.batcher.rows, self.batcher.cpu),
            self._counts0, strict=True))
        return {'cpu': cpu, 'wall': self.meter.wall, 'beats': taken, 'flushes': flushes,
                'rows': rows}


def check_rows(db, sent, published_at):
    """Service rows holding all their beats (1 warm-up + those sent) and one newer than
    the last publish."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            'SELECT host, report_count, last_seen_up FROM services WHERE "binary" = :b'),
            {'b': BINARY}).all()
    complete = sum(1 for r in rows if r.report_count == 1 + sent.get(r.host, 0)
                   and r.last_seen_up.timestamp() >= published_at - 1)
    return complete, len(rows)


def _publisher(args, url, hosts):
    """Publish from another process (steady mode: its CPU is not the api's)."""
    cmd = [sys.executable, '-m', 'bench.scale.heartbeat_cost', '--publish-to', url,
           '--hosts', str(len(hosts)), '--beats', str(args.beats), '--rate', str(args.rate),
           '--publish-threads', str(args.publish_threads)] + (['--lean'] if args.lean else [])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _hosts(count):
    return [f'hb{i:05d}' for i in range(count)]


def _figures(window, n):
    cpu = window['cpu']
    return {'beats': n, 'wall_s': round(window['wall'], 2),
            'api_us': round(cpu['api'] / n * 1e6, 1),
            'consumer_us': round(cpu['consumer'] / n * 1e6, 1),
            'consumer_sys_us': round(cpu['consumer_sys'] / n * 1e6, 1),
            'flush_us': round(cpu['flush'] / n * 1e6, 1),
            'flush_us_per_row': round(cpu['flush'] / max(window['rows'], 1) * 1e6, 1),
            'broker_us': round(cpu['broker'] / n * 1e6, 1),
            'db_us': round(cpu['db'] / n * 1e6, 1),
            'flushes': window['flushes'], 'rows_written': window['rows']}


def one_run(args):
    vhost = bench_cluster.Vhost()
    database = processes.PostgresDatabase()
    try:
        api_c, compute_c = _confs(vhost.url, database.url, args.flush_interval)
        db = db_session.Database(database.url)
        migration.db_sync(db)
        hosts = _hosts(args.hosts)
        batcher = CountingBatcher(db, interval=args.flush_interval)
        driver = fake.FakeDriver(compute_c)
        for host in hosts:   # a running api has seen every host (and its report) already
            report = resource_tracker.ResourceTracker(compute_c, driver, host).current()
            batcher.record(host=host, binary=BINARY, topic='compute', resources=report)
        declare_queue(api_c)
        api = Api(api_c, batcher)
        load = [os.getloadavg()[0]]
        if args.rate:
            result = _steady(args, api, vhost.url, hosts)
            sent = result.pop('sent')
        else:
            pub = procstat.CpuMeter({'broker': scale_cluster.system_broker_pids}).start()
            if args.transient:
                sent = publish_transient(compute_c, hosts, args.beats,
                                         delivery_mode=args.delivery_mode,
                                         confirm=args.confirm)
            else:
                sent = publish(compute_c, hosts, args.beats, args.publish_threads,
                               lean=args.lean)
            published = pub.stop()
            load.append(os.getloadavg()[0])
            api.start()
            api.begin()
            api.wait_for(args.beats, args.timeout)
            result = _figures(api.end(stop=True), args.beats)
            result['broker_publish_us'] = round(published['broker'] / args.beats * 1e6, 1)
            result['publish_s'] = round(pub.wall, 1)
        published_at = time.time() - result['wall_s']
        load.append(os.getloadavg()[0])
        complete, rows = check_rows(db, sent, published_at)
        db.dispose()
    finally:
        vhost.delete()
        database.drop()
    result.update(hosts=args.hosts, rows_complete=f'{complete}/{rows}', load=load)
    return result


def _steady(args, api, url, hosts):
    """Beats at ``--rate`` from another process; the api measured from its first second
    of beats until the publisher is done."""
    api.start()
    proc = _publisher(args, url, hosts)
    api.wait_for(1, 60)
    time.sleep(1.0)
    api.begin()
    out, _ = proc.communicate(timeout=args.beats / args.rate + 120)
    window = api.end()
    sent = json.loads(out.strip().splitlines()[-1])
    api.wait_for(args.beats, args.timeout)
    api.begin()
    api.end(stop=True)
    result = _figures(window, window['beats'])
    result['sent'] = sent
    return result


def _print(run, r):
    print(f'run {run}: {r["beats"]} beats measured from {r["hosts"]} hosts over '
          f'{r["wall_s"]} s; api {r["api_us"]} us CPU/beat (consumer thread '
          f'{r["consumer_us"]}, of it system {r["consumer_sys_us"]}; flush '
          f'{r["flush_us"]}: {r["flushes"]} flushes, '
          f'{r["rows_written"]} rows, {r["flush_us_per_row"]} us/row); broker <= '
          f'{r["broker_us"]} us/beat' + (
              f' draining, {r["broker_publish_us"]} publishing ({r["publish_s"]} s)'
              if 'publish_s' in r else ' (publish + delivery)') +
          f'; PostgreSQL <= {r["db_us"]}; rows complete {r["rows_complete"]}; '
          f'load {r["load"]}', flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m bench.scale.heartbeat_cost',
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--beats', type=int, default=20000)
    p.add_argument('--hosts', type=int, default=1000)
    p.add_argument('--runs', type=int, default=1)
    p.add_argument('--rate', type=float, default=None,
                   help='steady mode: beats a second (100: 1,000 hosts at report_interval '
                        '10) from another process, the api consuming all along')
    p.add_argument('--publish-threads', type=int, default=16)
    p.add_argument('--flush-interval', type=float, default=1.0,
                   help="the api's [api] heartbeat_flush_interval")
    p.add_argument('--transient', action='store_true',
                   help='backlog mode: publish the same beats transient and without '
                        'confirms (one kombu producer), to see what that saves the broker')
    p.add_argument('--delivery-mode', type=int, choices=(1, 2), default=1,
                   help='with --transient: 2 publishes them persistent')
    p.add_argument('--confirm', action='store_true',
                   help='with --transient: with publisher confirms (as oslo.messaging)')
    p.add_argument('--lean', action='store_true',
                   help="publish through the compute's lean heartbeat publisher "
                        '(compute/heartbeat_publisher.py), both modes')
    p.add_argument('--timeout', type=float, default=300)
    p.add_argument('--json', action='store_true', help='one JSON line per run')
    p.add_argument('--publish-to', help=argparse.SUPPRESS)   # the steady publisher
    args = p.parse_args(argv)
    if args.publish_to:
        _, compute_c = _confs(args.publish_to, 'sqlite://', args.flush_interval)
        sent = publish(compute_c, _hosts(args.hosts), args.beats, args.publish_threads,
                       rate=args.rate, lean=args.lean)
        print(json.dumps(sent))
        return 0
    for run in range(1, args.runs + 1):
        result = one_run(args)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            _print(run, result)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
