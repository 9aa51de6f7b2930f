"""An idle RPC server wakes only when it must: Cepheid's threading RPC servers run their
endpoints on a standard-library pool (workers wait without a timeout, one added only when
none is idle) instead of futurist's (a worker per message, each waking every second), and a
compute's RabbitMQ listeners first wait ``[DEFAULT] rpc_listener_min_wait`` seconds after
a message (10 s), not 1 ms, doubling to ``[DEFAULT] rpc_listener_max_wait`` (10 s), not
oslo.messaging's 5 s."""

import threading

import oslo_messaging
import pytest
from oslo_messaging._drivers import amqpdriver

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conf as compute_conf


class Endpoint:
    target = oslo_messaging.Target(version='1.0')

    def __init__(self):
        self.threads = []

    def echo(self, context, value):
        self.threads.append(threading.current_thread())
        return value


@pytest.fixture
def conf():
    conf = config.make_conf(compute_conf.register_opts)
    conf([], project='cepheid')
    conf.set_override('transport_url', 'fake://')
    return conf


def test_rpc_server_runs_endpoints_on_a_pool_without_idle_wakeups(conf):
    transport = rpc.get_rpc_transport(conf)
    endpoint = Endpoint()
    server = rpc.get_server(conf, transport, 'idle-test', server='h1', endpoints=[endpoint])
    server.start()
    try:
        client = rpc.get_client(transport, 'idle-test', version='1.0', server='h1',
                                timeout=10)
        context = cep_context.get_admin_context()
        assert [client.call(context, 'echo', value=i) for i in range(5)] == list(range(5))
    finally:
        server.stop()
        server.wait()
    assert all(t.name.startswith('rpc-executor') for t in endpoint.threads)
    # Calls one after another reuse the idle worker: futurist would have made five.
    assert len({t.ident for t in endpoint.threads}) == 1
    assert isinstance(server._work_executor, rpc.RPCExecutor)


def test_eventlet_executor_is_left_to_oslo_messaging(conf):
    conf.set_override('executor', 'eventlet')
    server = rpc.get_server(conf, rpc.get_rpc_transport(conf), 'idle-test', server='h1',
                            endpoints=[Endpoint()])
    assert server._executor_cls is not rpc.RPCExecutor


@pytest.fixture
def oslo_waits(monkeypatch):
    """oslo.messaging's own first and longest listener waits, whatever a test set before."""
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', 0.001)
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX', 5.0)


def test_listener_min_wait_starts_the_backoff_later(conf, oslo_waits):
    assert rpc.set_listener_min_wait(0.25)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 0.25
    # The longest wait (how late a stopping server notices) stays oslo.messaging's.
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX == 5.0
    assert rpc.set_listener_min_wait(30)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 5.0


def test_listener_min_wait_zero_keeps_oslo_messaging_waits(monkeypatch):
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', 0.001)
    assert not rpc.set_listener_min_wait(0)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 0.001


def test_listener_min_wait_leaves_an_oslo_messaging_without_the_constants(monkeypatch):
    monkeypatch.delattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN')
    assert not rpc.set_listener_min_wait(0.25)


def test_listener_max_wait_lengthens_the_idle_wait(conf, oslo_waits):
    assert conf.rpc_listener_max_wait == 10.0     # the compute's default
    assert rpc.set_listener_max_wait(conf.rpc_listener_max_wait)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX == 10.0
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 0.001
    # The compute's default first wait after a message is as long: no doubling.
    assert conf.rpc_listener_min_wait == 10.0
    assert rpc.set_listener_min_wait(conf.rpc_listener_min_wait)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 10.0
    assert rpc.set_listener_min_wait(30)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 10.0


def test_listener_max_wait_below_the_first_wait_lowers_it(monkeypatch):
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MIN', 0.25)
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX', 5.0)
    assert rpc.set_listener_max_wait(0.1)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX == 0.1
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MIN == 0.1


def test_listener_max_wait_zero_keeps_oslo_messaging_waits(monkeypatch):
    monkeypatch.setattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX', 5.0)
    assert not rpc.set_listener_max_wait(0)
    assert amqpdriver.ACK_REQUEUE_EVERY_SECONDS_MAX == 5.0
    monkeypatch.delattr(amqpdriver, 'ACK_REQUEUE_EVERY_SECONDS_MAX')
    assert not rpc.set_listener_max_wait(10)


def test_only_amqp_listeners_need_a_wake_message_to_stop(conf):
    # The fake driver's listener sees a stop within 50 ms: a wake cast there would stay in
    # the stopped host's queue (a down host's queued casts are what some tests count).
    assert rpc.listener_reads_long(rpc.get_rpc_transport(conf)) is False
    conf.set_override('transport_url', 'rabbit://guest:guest@127.0.0.1:5672/')
    rabbit = rpc.get_rpc_transport(conf)
    try:
        assert rpc.listener_reads_long(rabbit) is True
    finally:
        rabbit.cleanup()


class Mixed:
    """``queued`` (accepted by the predicate below) and ``slow`` (declined), recording
    the thread each ran in; ``queued`` raises when asked to."""
    target = oslo_messaging.Target(version='1.0')

    def __init__(self):
        self.threads = {'queued': [], 'slow': []}
        self.ran = threading.Event()

    def queued(self, context, fail=False):
        self.threads['queued'].append(threading.current_thread())
        self.ran.set()
        if fail:
            raise ValueError('refused')

    def slow(self, context):
        self.threads['slow'].append(threading.current_thread())
        return 'slow'


def _accepts_queued(message):
    if message.get('method') == 'boom':
        raise KeyError('a predicate that fails declines')
    return message.get('method') == 'queued'


def _served(conf, endpoint, at_once):
    transport = rpc.get_rpc_transport(conf)
    server = rpc.get_server(conf, transport, 'at-once-test', server='h1',
                            endpoints=[endpoint], at_once=at_once)
    client = rpc.get_client(transport, 'at-once-test', version='1.0', server='h1',
                            timeout=10)
    return server, client


def test_messages_the_predicate_accepts_run_in_the_listener_thread(conf):
    endpoint = Mixed()
    server, client = _served(conf, endpoint, _accepts_queued)
    server.start()
    context = cep_context.get_admin_context()
    try:
        for _ in range(3):
            endpoint.ran.clear()
            client.cast(context, 'queued')
            assert endpoint.ran.wait(10)
        assert client.call(context, 'slow') == 'slow'
        # A method that raises in the listener's thread is the server's to log: the next
        # message is still served there.
        endpoint.ran.clear()
        client.cast(context, 'queued', fail=True)
        assert endpoint.ran.wait(10)
        endpoint.ran.clear()
        client.cast(context, 'queued')
        assert endpoint.ran.wait(10)
    finally:
        server.stop()
        server.wait()
    listener = endpoint.threads['queued']
    assert len({t.ident for t in listener}) == 1
    assert not listener[0].name.startswith('rpc-executor')
    assert [t.name[:12] for t in endpoint.threads['slow']] == ['rpc-executor']
    assert isinstance(server._work_executor, rpc.RPCExecutor)
    assert server._work_executor.ran_at_once == 5


def test_a_predicate_that_raises_declines(conf):
    executor = rpc.RPCExecutor(2, at_once=_accepts_queued)

    class Incoming:
        def __init__(self, method):
            self.message = {'method': method}
    try:
        here = executor.submit(_thread_of, [Incoming('queued')])
        assert here.result(10) is threading.current_thread()
        pooled = executor.submit(_thread_of, [Incoming('boom')])
        assert pooled.result(10).name.startswith('rpc-executor')
        # Not a server's (incoming,): declined, run on the pool as before.
        assert executor.submit(len, 'abc').result(10) == 3
        # What the function raises is the future's, as on the pool.
        failed = executor.submit(_raise, [Incoming('queued')])
        assert isinstance(failed.exception(10), ValueError)
        assert executor.ran_at_once == 2
    finally:
        executor.shutdown()


def _thread_of(incoming):
    return threading.current_thread()


def _raise(incoming):
    raise ValueError(incoming[0].message['method'])


def test_without_a_predicate_every_message_goes_to_the_pool(conf):
    endpoint = Mixed()
    server, client = _served(conf, endpoint, None)
    server.start()
    try:
        client.cast(cep_context.get_admin_context(), 'queued')
        assert endpoint.ran.wait(10)
    finally:
        server.stop()
        server.wait()
    assert endpoint.threads['queued'][0].name.startswith('rpc-executor')
    assert server._work_executor.ran_at_once == 0
