"""All-in-one: the api service and N computes in one process over fake:// and SQLite.

``cepheid-all-in-one`` runs the demo: services up, a server created, soft- and
hard-rebooted through the REST API, then each reboot's timeline (every task_state the
compute saved, and the notifications on the bus) is printed; ``--serve`` keeps serving.
``AllInOne`` is also what the functional tests start.
"""

import argparse
import datetime
import os
import signal
import sys
import tempfile
import threading
import time
import uuid

import oslo_messaging

from cepheid.api import app as api_app
from cepheid.api import conf as api_conf
from cepheid.api import service as api_service
from cepheid.api import wsgi as api_wsgi
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.common import exception
from cepheid.common import startup
from cepheid.compute import conf as compute_conf
from cepheid.compute import service as compute_service
from cepheid.demo import client as demo_client

PROG = 'cepheid-all-in-one'


def make_conf(argv=(), **overrides):
    """A ConfigOpts with every option of both services, embedded defaults applied."""
    conf = config.make_conf(api_conf.register_opts, compute_conf.register_opts)
    conf(list(argv), project='cepheid')
    conf.set_override('transport_url', overrides.pop('transport_url', 'fake://'))
    conf.set_override('auth_strategy', 'noauth2', group='api')
    conf.set_override('port', 0, group='api')
    # The demo shows both notification formats (the service default is versioned only).
    conf.set_override('notification_format', 'both', group='notifications')
    for key, value in overrides.items():
        group, _, name = key.rpartition('.')
        conf.set_override(name, value, group=group or None)
    if conf.transport_url.startswith('fake:') and conf.control_exchange == config.CONTROL_EXCHANGE:
        # fake:// keeps its exchanges in one dict for the whole process: a stack of its own
        # exchange never receives what an earlier stack left unconsumed.
        conf.set_override('control_exchange',
                          f'{config.CONTROL_EXCHANGE}-{uuid.uuid4().hex[:12]}')
    return conf


class NotificationRecorder:
    """Listens on the notification topics and keeps (time, publisher, event_type, payload),
    ``time`` being when it was received (``time.monotonic()``); ``emitted[i]`` is when
    ``events[i]`` was sent, on the same clock (from the message's timestamp), and
    ``message_ids[i]`` its message id (a redelivery of one message carries the same)."""

    def __init__(self, transport, topics=('versioned_notifications', 'notifications')):
        self.events = []
        self.emitted = []
        self.message_ids = []
        self._cond = threading.Condition()
        self._transport = transport
        targets = [oslo_messaging.Target(topic=t) for t in topics]
        self.listener = oslo_messaging.get_notification_listener(
            transport, targets, [self], allow_requeue=False)

    def close(self):
        """Stop listening and close the transport's connections (their heartbeat threads
        would otherwise outlive the broker or vhost they were opened on)."""
        self.listener.stop()
        self.listener.wait()
        self._transport.cleanup()

    def _record(self, publisher_id, event_type, payload, metadata):
        now = time.monotonic()
        with self._cond:
            self.events.append((now, publisher_id, event_type, payload))
            self.emitted.append(_emitted(metadata, now))
            self.message_ids.append((metadata or {}).get('message_id'))
            self._cond.notify_all()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record(publisher_id, event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record(publisher_id, event_type, payload, metadata)

    def with_emitted(self):
        """``[(emitted, event), ...]`` for every event so far."""
        with self._cond:
            return list(zip(self.emitted, self.events, strict=True))

    def with_message_ids(self):
        """``[(message_id, event), ...]`` for every event so far."""
        with self._cond:
            return list(zip(self.message_ids, self.events, strict=True))

    def wait_for(self, predicate, timeout=30):
        """Block until ``predicate(events)`` is true; return the events (raise on timeout)."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.events), timeout):
                raise TimeoutError('notifications not seen in time')
            return list(self.events)


def _emitted(metadata, received):
    """The message's send time on the ``time.monotonic()`` clock (``received`` if unknown)."""
    try:
        sent = datetime.datetime.strptime(metadata['timestamp'], '%Y-%m-%d %H:%M:%S.%f')
    except (KeyError, TypeError, ValueError):
        return received
    wall = sent.replace(tzinfo=datetime.UTC).timestamp()
    return min(received, received - (time.time() - wall))


class TransitionRecorder:
    """Keeps every task_state a compute reported, as it sent it: (time, uuid, task_state,
    conductor method) — the compute's own account, in order, whatever the DB kept (a
    ``reboot_started`` cast may reach the conductor after the reboot's end)."""

    def __init__(self):
        self.rows = []
        self._cond = threading.Condition()

    def __call__(self, when, instance_uuid, task_state, method):
        with self._cond:
            self.rows.append((when, instance_uuid, task_state, method))
            self._cond.notify_all()

    def since(self, mark):
        with self._cond:
            return [row for row in self.rows if row[0] >= mark]

    def wait_for(self, predicate, mark, timeout=30):
        """Block until ``predicate(rows since mark)`` is true."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(
                    [row for row in self.rows if row[0] >= mark]), timeout):
                raise TimeoutError('task_state transitions not seen in time')


class AllInOne:
    def __init__(self, conf=None, *, hosts=('compute1',), db_url=None, driver=None):
        self.conf = conf or make_conf()
        if db_url is None:
            self._tmpdir = tempfile.mkdtemp(prefix='cepheid-')
            db_url = f'sqlite:///{os.path.join(self._tmpdir, "cepheid.sqlite")}'
        self.db = db_session.Database(
            db_url, db_session.pool_options(self.conf, db_url),
            fused_steps=self.conf.database.fused_steps,
            prebuilt=self.conf.database.prebuilt_statements,
            alone=self.conf.database.single_statement_autocommit)
        self.hosts = list(hosts)
        self.driver_name = driver
        self.computes = {}
        self.server = None

    def start(self):
        migration.db_sync(self.db)
        self.services = api_service.ApiServices(self.conf, db=self.db)
        self.conductor = api_service.ConductorService(self.conf, self.services)
        self.transitions = TransitionRecorder()
        self.conductor.start()
        self.recorder = NotificationRecorder(self.services.notification_transport)
        self.recorder.listener.start()
        for host in self.hosts:
            self.add_compute(host)
        self.app = api_app.create_app(self.conf, self.services)
        self.server = api_wsgi.ServerThread(
            self.app, self.conf.api.listen, self.conf.api.port,
            connection_limit=self.conf.api.max_connections)
        self.server.start()
        self.endpoint = f'http://{self.conf.api.listen}:{self.server.port}/v2.1'
        return self

    def add_compute(self, host):
        compute = compute_service.ComputeService(
            self.conf, host=host, transport=self.services.transport,
            notification_transport=self.services.notification_transport)
        compute.conductor.observers.append(self.transitions)
        compute.start()
        self.computes[host] = compute
        return compute

    def stop(self):
        """Stop what ``start()`` started (also after a start that failed half-way)."""
        if self.server is not None:
            self.services.dashboard.hub.close()   # ends open dashboard event streams
            self.server.stop()
        for compute in self.computes.values():
            compute.stop(graceful=False)
        if getattr(self, 'recorder', None) is not None:
            self.recorder.listener.stop()
        if getattr(self, 'conductor', None) is not None:
            self.conductor.stop()
        self.db.dispose()


def _demo(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n\n')[0])
    parser.add_argument('--computes', type=int, default=1, help='compute hosts to start')
    parser.add_argument('--driver', default='fake', help="virt driver (default 'fake')")
    parser.add_argument('--serve', action='store_true',
                        help='keep serving after the demo (the dashboard URL is printed)')
    parser.add_argument('--port', type=int, default=0,
                        help='api port on 127.0.0.1 (default: any free port)')
    args = parser.parse_args(argv)
    if args.computes < 1:
        raise startup.StartupError('--computes needs a positive number')
    conf = make_conf(compute_driver=args.driver, **{'api.port': args.port})
    conf.set_override('default_log_levels', ['oslo_messaging=WARN', 'cepheid=WARN',
                                             'alembic=WARN', 'waitress=WARN'])
    config.setup_logging(conf)
    stack = AllInOne(conf, hosts=[f'compute{i + 1}' for i in range(args.computes)])
    try:
        stack.start()
    except exception.VirtDriverNotFound as exc:
        stack.stop()
        raise startup.StartupError(f'--driver {args.driver}: {exc.format_message()}') from exc
    try:
        code = demo_client.run_demo(stack)
        if args.serve and code == 0:
            _serve(stack)
        return code
    finally:
        stack.stop()


def _serve(stack):
    base = stack.endpoint.rsplit('/v2.1', 1)[0]
    print(f'\nServing until Ctrl-C. Dashboard: {base}/dashboard?token={demo_client.TOKEN}'
          f'\n  API: {stack.endpoint}  metrics: {base}/metrics  health: {base}/healthcheck',
          flush=True)
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping.wait(1):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print('stopping', flush=True)


def main(argv=None):
    return startup.run(PROG, lambda: _demo(argv))


if __name__ == '__main__':
    sys.exit(main())
