"""A compute's called steps through the lean caller on the real RabbitMQ: ``begin`` is
answered on the caller's own exclusive reply queue, over one connection the broker lists
as ``cepheid-steps-caller:<pid>``; with that connection closed by the broker while a call
waits, the call is made again through oslo.messaging at once and answered, and later
calls go lean again on a new connection and reply queue. An "api" thread answers on the
steps topic as api/steps_consumer.py does (api/rpc_envelope.py). In one process, over a
fresh vhost, a few seconds."""

import subprocess
import threading

import kombu
import pytest

from cepheid.api import rpc_envelope
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import conf as compute_conf
from cepheid.compute import step_caller
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

TOPIC = 'cepheid-api-steps'
UUID = '5b0e7f7e-0c1d-4d8e-9b1a-3f6e2a9c0d01'


class Api:
    """Answers ``begin`` on TOPIC; ``hold`` makes it leave the next request unanswered
    (so a call is waiting when the test breaks the caller's connection)."""

    def __init__(self, conf):
        self.conn = kombu.Connection(kombu_transport.broker_urls(conf))
        exchange = kombu_transport.topic_exchange(conf)
        self.queue = kombu.Queue(TOPIC, exchange, routing_key=TOPIC)
        self.reply_queues = []
        self.hold, self.holding = threading.Event(), threading.Event()
        self._stop = threading.Event()
        self.queue(self.conn.channel()).declare()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        channel = self.conn.channel()
        producer = kombu.Producer(channel)
        consumer = kombu.Consumer(channel, [self.queue], accept=['json'],
                                  callbacks=[lambda body, message: self._answer(
                                      producer, body, message)])
        consumer.consume()
        while not self._stop.is_set():
            try:
                self.conn.drain_events(timeout=0.2)
            except TimeoutError:
                continue

    def _answer(self, producer, body, message):
        request = rpc_envelope.decode(body)
        message.ack()
        self.reply_queues.append(request.reply_q)
        if self.hold.is_set():
            self.hold.clear()
            self.holding.set()
            return
        result = {'instance': {'uuid': request.args['instance_uuid']}, 'event_id': 11}
        producer.publish(rpc_envelope.reply_body(request.msg_id, result=result),
                         exchange='', routing_key=request.reply_q, serializer='json')

    def stop(self):
        self._stop.set()
        self.thread.join(5)
        self.conn.release()


@pytest.fixture
def bus():
    """(a conductor client told the steps topic, its caller, the api, vhost)."""
    vhost = processes.RabbitVhost()
    conf = config.make_conf(compute_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', vhost.url)
    api = Api(conf)
    transport = rpc.get_rpc_transport(conf)
    caller = step_caller.for_conf(conf)
    client = conductor_rpcapi.ConductorAPI(transport, host='h1', timeout=10,
                                           step_caller=caller)
    client.steps_client = rpc.get_client(transport, TOPIC, version='1.0', timeout=10)
    try:
        yield client, caller, api, vhost
    finally:
        step_caller.close_all()
        lean_publisher.close_all()
        api.stop()
        transport.cleanup()
        vhost.delete()


def _begin(client):
    return client.begin(cep_context.get_admin_context(), UUID,
                        event='compute_reboot_instance',
                        values={'task_state': 'reboot_pending'},
                        expected_task_state=['rebooting'])


def _lean(caller):
    """The first call starts the reply thread (and goes through oslo.messaging)."""
    processes.wait_until(lambda: caller._ready.is_set(), 10, 'the reply queue consumed')


def test_begin_is_answered_on_the_callers_own_reply_queue(bus):
    client, caller, api, vhost = bus
    assert _begin(client) == ({'uuid': UUID}, 11)             # oslo.messaging's call
    _lean(caller)
    assert _begin(client) == ({'uuid': UUID}, 11)
    assert (caller.answered, caller.declined, caller.timed_out) == (1, 1, 0)
    assert api.reply_queues[-1] == caller.reply_q != api.reply_queues[0]
    assert len(rabbit_queues.connections(vhost.name, f'{step_caller.CONNECTION_NAME}:')) == 1


def test_a_call_waiting_when_the_broker_closes_the_connection_is_made_again(bus):
    client, caller, api, vhost = bus
    _begin(client)
    _lean(caller)
    api.hold.set()
    answer = {}
    waiting = threading.Thread(target=lambda: answer.update(reply=_begin(client)))
    waiting.start()
    assert api.holding.wait(10)                               # the lean call waits
    lost_queue = caller.reply_q
    pids = rabbit_queues.connections(vhost.name, f'{step_caller.CONNECTION_NAME}:')
    subprocess.run(['rabbitmqctl', '-q', 'close_connection', pids[0], 'test'],
                   capture_output=True, timeout=60, check=True)
    waiting.join(10)             # made again through oslo.messaging, not after 10 s
    assert answer['reply'] == ({'uuid': UUID}, 11)
    assert api.reply_queues[-1] != lost_queue
    _lean(caller)                # consumed again, on a new connection
    assert _begin(client) == ({'uuid': UUID}, 11)
    assert caller.answered == 1 and caller.reply_q != lost_queue
    assert api.reply_queues[-1] == caller.reply_q
