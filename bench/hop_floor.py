"""The floor under the split scenario's 1-in-flight latency: a reboot's round trips alone.

``python -m bench.hop_floor`` runs, in three processes of its own, the same message pattern
a reboot follows at 1 in flight, with none of Cepheid's code: raw kombu on the same broker
and psycopg on the same PostgreSQL. The casts and notifications are persistent and
confirmed, the called ``begin`` and its answer transient and unconfirmed, as Cepheid's are.

1. "api": the REST compare-and-swap commits (``accepted``), then the cast to the compute;
2. "compute": takes the cast, sends ``begin`` and waits for its answer;
3. "api": ``reboot_pending`` commits; the start notification is confirmed in a second
   thread while ``reboot_started`` commits; then the answer;
4. "compute": takes the answer (a fake guest reboots in no time) and casts the end;
5. "api": the end state commits (``done``) and the end notification goes out.

The bench's own process waits for each end notification before sending the next
request, as the split scenario's 1-in-flight run does. With ``--computes N`` there are N
"compute" processes, each with queues of its own, and the servers' requests go to them
in turn, as the split scenario's reboots of servers spread over N hosts do: what the
computes' taking turns costs a reboot's round trips alone. Latency is ``done - accepted``,
both read by the "api", like the split scenario's accept → ``instance.reboot.end``.
Each statement is one autocommit round trip, as Cepheid's hot ones are on PostgreSQL.
What Cepheid adds on top of this figure is its own code: oslo.messaging, the envelope,
the context, the checks and the records.
"""

import argparse
import json
import multiprocessing
import queue
import statistics
import sys
import threading
import time
import uuid

EXCHANGE = 'hop-floor'
API_QUEUE, NOTICE_QUEUE = 'floor.api', 'floor.notifications'
SERVERS = 50
CAS = 'UPDATE instances SET task_state = %s WHERE uuid = %s AND task_state IS NOT DISTINCT FROM %s'


def _compute_queue(host):
    return f'floor.compute.{host}'


def _reply_queue(host):
    return f'floor.reply.{host}'


def _queue_names(computes):
    return [API_QUEUE, NOTICE_QUEUE] + [name(host) for host in range(computes)
                                        for name in (_compute_queue, _reply_queue)]


def _connection(urls, confirmed=False):
    import kombu
    return kombu.Connection(urls, transport_options={'confirm_publish': confirmed})


def _queue(name, exchange):
    """Durable, as Cepheid's topic queues are; the reply queues are not, as its own are
    not."""
    import kombu
    return kombu.Queue(name, exchange=exchange, routing_key=name,
                       durable=not name.startswith(_reply_queue('')))


def _exchange():
    import kombu
    return kombu.Exchange(EXCHANGE, 'direct', durable=True)


class _Sender:
    """A producer on a connection of its own. ``confirmed``: each message persistent and
    ``send`` returns once the broker confirmed it (Cepheid's casts and notifications);
    otherwise transient and unconfirmed (its called ``begin`` and the answer)."""

    def __init__(self, urls, *, confirmed):
        self.conn = _connection(urls, confirmed)
        self.delivery_mode = 2 if confirmed else 1
        self.producer = self.conn.Producer(exchange=_exchange())

    def send(self, routing_key, body, **properties):
        self.producer.publish(body, routing_key=routing_key, serializer='json',
                              delivery_mode=self.delivery_mode, **properties)


def _api(urls, database, ready):
    """The "api" role: the REST CAS and the cast, the begin, the end."""
    import psycopg
    db = psycopg.connect(database, autocommit=True)
    sender, notifier = _Sender(urls, confirmed=True), _Sender(urls, confirmed=True)
    replier = _Sender(urls, confirmed=False)
    notices = queue.SimpleQueue()
    confirmed = queue.SimpleQueue()

    def notify_loop():              # the start notification's own thread
        while (body := notices.get()) is not None:
            notifier.send(NOTICE_QUEUE, body)
            confirmed.put(True)

    threading.Thread(target=notify_loop, daemon=True).start()
    accepted, begun = {}, {}

    def on_message(body, message):
        kind, server = body['kind'], body['server']
        if kind == 'rest':
            db.execute(CAS, ('rebooting', server, None))
            accepted[server] = time.time()
            sender.send(_compute_queue(body['host']), {'kind': 'reboot', 'server': server})
        elif kind == 'begin':
            begun[server] = time.time()
            db.execute(CAS, ('reboot_pending', server, 'rebooting'))
            notices.put({'event_type': 'instance.reboot.start', 'server': server})
            db.execute(CAS, ('reboot_started', server, 'reboot_pending'))
            confirmed.get()
            replier.send(message.properties['reply_to'], {'kind': 'answer', 'server': server},
                        correlation_id=message.properties['correlation_id'])
        elif kind == 'end':
            ending = time.time()
            db.execute(CAS, (None, server, 'reboot_started'))
            done = time.time()
            sender.send(NOTICE_QUEUE, {'event_type': 'instance.reboot.end', 'server': server,
                                       'accepted': accepted.pop(server),
                                       'begun': begun.pop(server), 'ending': ending,
                                       'done': done})
        message.ack()

    _consume(urls, API_QUEUE, on_message, ready)


def _compute(urls, ready, host):
    """The "compute" role of ``host`` (0, 1...): the cast, the begin's call, the end's
    cast."""
    sender, caller = _Sender(urls, confirmed=True), _Sender(urls, confirmed=False)
    calls = {}

    def on_message(body, message):
        if body['kind'] == 'reboot':
            correlation = uuid.uuid4().hex
            calls[correlation] = body['server']
            caller.send(API_QUEUE, {'kind': 'begin', 'server': body['server']},
                        reply_to=_reply_queue(host), correlation_id=correlation)
        else:                        # the begin's answer: the guest reboots, the end goes
            server = calls.pop(message.properties['correlation_id'])
            sender.send(API_QUEUE, {'kind': 'end', 'server': server})
        message.ack()

    _consume(urls, [_compute_queue(host), _reply_queue(host)], on_message, ready)


def _consume(urls, names, on_message, ready):
    names = [names] if isinstance(names, str) else names
    exchange = _exchange()
    with _connection(urls) as conn:
        with conn.Consumer([_queue(n, exchange) for n in names], callbacks=[on_message],
                           accept=['json']) as consumer:
            consumer.qos(prefetch_count=1)
            ready.set()
            while True:
                conn.drain_events()


def _setup(database):
    import psycopg
    servers = [str(uuid.uuid4()) for _ in range(SERVERS)]
    with psycopg.connect(database, autocommit=True) as db:
        db.execute('CREATE TABLE instances (uuid varchar(36) PRIMARY KEY, task_state varchar(255))')
        with db.cursor() as cur:
            cur.executemany('INSERT INTO instances (uuid) VALUES (%s)', [(s,) for s in servers])
        db.execute('ANALYZE instances')
    return servers


def measure(urls, database, count, warmup, computes=1):
    """The end notifications (their ``accepted``, ``begun``, ``ending`` and ``done``
    times) of ``count`` reboots one at a time, after ``warmup`` unmeasured ones, through
    the broker at ``urls`` (kombu's) and the PostgreSQL ``database`` (libpq's URL), the
    servers' requests going to ``computes`` "compute" processes in turn (server ``i`` on
    host ``i % computes``)."""
    servers = _setup(database)
    spawn = multiprocessing.get_context('spawn')
    ready = [spawn.Event() for _ in range(computes + 1)]
    roles = [spawn.Process(target=_api, args=(urls, database, ready[0]), daemon=True)]
    roles += [spawn.Process(target=_compute, args=(urls, ready[host + 1], host), daemon=True)
              for host in range(computes)]
    exchange = _exchange()
    names = _queue_names(computes)
    with _connection(urls) as conn:
        notices = _queue(NOTICE_QUEUE, exchange)
        for name in names:
            _queue(name, exchange)(conn.default_channel).declare()
        for role in roles:
            role.start()
        for event in ready:
            if not event.wait(60):
                raise RuntimeError('a role of the floor did not start')
        ends_seen = []
        ends = queue.SimpleQueue()

        def on_notice(body, message):
            message.ack()
            if body['event_type'] == 'instance.reboot.end':
                ends.put(body)

        producer = conn.Producer(exchange=exchange)
        try:
            with conn.Consumer([notices], callbacks=[on_notice], accept=['json']):
                for i in range(warmup + count):
                    server = i % SERVERS
                    producer.publish({'kind': 'rest', 'server': servers[server],
                                      'host': server % computes},
                                     routing_key=API_QUEUE, serializer='json')
                    while ends.empty():
                        conn.drain_events(timeout=30)
                    end = ends.get()
                    if i >= warmup:
                        ends_seen.append(end)
        finally:
            for role in roles:
                role.terminate()
                role.join(10)
            for name in names:
                _queue(name, exchange)(conn.default_channel).delete()
    return ends_seen


def summary(ends, computes=1):
    """The figures of measured end notifications (of a floor with ``computes`` "compute"
    processes): accepted → done p50 and p99 (as the split runs reckon theirs:
    procstat.summarize_ms), and the medians of its two halves as the split scenario's
    phases line names them (the begin taken → the end taken)."""
    from bench import procstat
    latency = procstat.summarize_ms([end['done'] - end['accepted'] for end in ends])

    def median_ms(start, stop):
        return round(statistics.median(end[stop] - end[start] for end in ends) * 1000, 2)

    return {'computes': computes, 'reboots': latency['n'], 'p50_ms': latency['p50'],
            'p99_ms': latency['p99'],
            'accepted_to_begin_ms': median_ms('accepted', 'begun'),
            'begin_to_end_ms': median_ms('begun', 'ending')}


def line(figures):
    return (f"floor, 1 in flight, {figures.get('computes', 1)} compute(s) "
            f"(raw kombu + psycopg, no Cepheid code): "
            f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms over "
            f"{figures['reboots']} reboots; medians: accepted → begin "
            f"{figures['accepted_to_begin_ms']} ms, begin → end {figures['begin_to_end_ms']} ms")


def run(count, warmup=None, computes=1):
    """The floor with ``computes`` "compute" processes on a throw-away vhost and database:
    its figures (``warmup``: unmeasured reboots first; by default a tenth of ``count``, at
    most 200)."""
    from bench import cluster
    from bench import pg_counters
    from cepheid.common import kombu_transport
    from tests.fixtures import processes
    from tests.fixtures import transport_conf
    vhost, database = cluster.Vhost(), processes.PostgresDatabase()
    try:
        urls = kombu_transport.broker_urls(transport_conf.conf_for(vhost.url))
        warmup = min(200, count // 10) if warmup is None else warmup
        return summary(measure(urls, pg_counters.database_url(database), count, warmup,
                               computes), computes)
    finally:
        database.drop()
        vhost.delete()


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m bench.hop_floor', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--count', type=int, default=2000, help='measured reboots')
    parser.add_argument('--computes', type=int, default=1,
                        help='"compute" processes taking the requests in turn (default 1)')
    parser.add_argument('--json', action='store_true', help='print the figures as JSON')
    args = parser.parse_args(argv)
    if args.computes < 1:
        parser.error('--computes must be at least 1')
    figures = run(args.count, computes=args.computes)
    print(json.dumps(figures) if args.json else line(figures))
    return 0


if __name__ == '__main__':
    sys.exit(main())
