"""The lean caller of the steps topic (compute/step_caller.py): a called step leaves as
the request oslo.messaging's call would send (``_msg_id``, ``_reply_q``, ``_timeout``),
transient; the api's answer in oslo.messaging's reply format comes back as the result, or
as the exception the api raised; no answer is MessagingTimeout; a call it cannot make (its
reply queue not consumed yet or lost, the publish refused) is handed back and goes
through oslo.messaging. Over kombu's in-memory broker; an "api" thread answers as
api/steps_consumer.py does (api/rpc_envelope.py)."""

import json
import threading
import time

import kombu
import oslo_messaging
import pytest

from cepheid.api import rpc_envelope
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import kombu_transport
from cepheid.common import lean_publisher
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import step_caller
from tests.unit.compute import test_heartbeat_publisher as beats
from tests.unit.compute import test_step_publisher as steps

TOPIC = steps.TOPIC
UUID = steps.UUID


class FakeApi:
    """Answers the calls on TOPIC with ``answer(request)`` (a result, or an exception
    sent as its failure); keeps the raw requests and their delivery modes."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []
        self._stop = threading.Event()
        exchange = kombu_transport.topic_exchange(beats._conf('kombu+memory:////'))
        self.queue = kombu.Queue(TOPIC, exchange, routing_key=TOPIC, durable=exchange.durable)
        self.conn = kombu.Connection('memory://')
        self.queue(self.conn.default_channel).declare()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        channel = self.conn.channel()
        producer = kombu.Producer(channel)
        while not self._stop.is_set():
            message = self.queue(channel).get(no_ack=True)
            if message is None:
                self._stop.wait(0.01)
                continue
            self.requests.append((json.loads(message.body),
                                  message.properties['delivery_mode']))
            request = rpc_envelope.decode(message.body)
            outcome = self.answer(request)
            if outcome is None:
                continue                                # no answer: the caller times out
            if isinstance(outcome, Exception):
                body = rpc_envelope.reply_body(request.msg_id,
                                               failure=rpc_envelope.failure(outcome))
            else:
                body = rpc_envelope.reply_body(request.msg_id, result=outcome)
            producer.publish(body, exchange='', routing_key=request.reply_q,
                             serializer='json')

    def stop(self):
        self._stop.set()
        self.thread.join(5)
        self.conn.release()


@pytest.fixture
def api():
    made = []

    def start(answer):
        made.append(FakeApi(answer))
        return made[-1]
    yield start
    for fake in made:
        fake.stop()


def _caller(factory=None, publisher=None):
    options = {'connection_factory': factory} if factory else {}
    exchange = kombu_transport.topic_exchange(beats._conf('kombu+memory:////'))
    publisher = publisher or lean_publisher.Publisher(
        ['memory://'], exchange=exchange, name='test-steps-caller-publisher')
    return step_caller.Caller(['memory://'], publisher=publisher, **options)


def _ready(caller):
    """The first call starts the reply thread and is handed back; wait until it consumes."""
    ctx = cep_context.get_admin_context()
    assert caller.call(ctx, topic=TOPIC, method='ping', args={}, version='1.0',
                       timeout=1) is step_caller.NOT_TAKEN
    assert caller._ready.wait(5)
    return caller


def _begin(caller, timeout=5):
    return caller.call(cep_context.get_admin_context(), topic=TOPIC, method='begin',
                       args={'host': 'h1', 'instance_uuid': UUID}, version='1.2',
                       timeout=timeout)


def test_a_call_is_answered_on_the_callers_own_reply_queue(api):
    fake = api(lambda request: {'event_id': 7, 'method': request.method,
                                'args': request.args})
    caller = _ready(_caller())
    try:
        assert _begin(caller) == {'event_id': 7, 'method': 'begin',
                                  'args': {'host': 'h1', 'instance_uuid': UUID}}
        (raw, mode), = fake.requests
        sent = json.loads(raw['oslo.message'])
        assert (sent['method'], sent['version'], sent['_reply_q'], sent['_timeout']) == (
            'begin', '1.2', caller.reply_q, 5)
        assert sent['_msg_id'] and sent['_context_request_id'].startswith('req-')
        assert mode == 1                                # transient: a lost one times out
        assert (caller.answered, caller.declined, caller.timed_out) == (1, 1, 0)
    finally:
        caller.close()


def _readers(caller):
    """The names of the threads that read each reply, in order (before the caller
    connects: its consumer takes ``_on_reply`` then)."""
    names, on_reply = [], caller._on_reply

    def recording(body, message):
        names.append(threading.current_thread().name)
        on_reply(body, message)
    caller._on_reply = recording
    return names


def _calls(caller, count, *, name, spacing=0.0):
    """``count`` begins at once from threads ``name-<i>`` (``spacing`` seconds apart):
    ``{i: answer}``."""
    answers = {}

    def one(index):
        answers[index] = caller.call(
            cep_context.get_admin_context(), topic=TOPIC, method='begin',
            args={'host': 'h1', 'instance_uuid': UUID, 'n': index}, version='1.2',
            timeout=10)
    threads = [threading.Thread(target=one, args=(i,), name=f'{name}-{i}')
               for i in range(count)]
    for thread in threads:
        thread.start()
        time.sleep(spacing)
    for thread in threads:
        thread.join(15)
    return answers


def test_one_call_at_a_time_is_answered_in_its_own_thread(api):
    """No hand-off: the calling thread reads the reply queue while it waits."""
    api(lambda request: {'event_id': 7})
    caller = _caller()
    names = _readers(caller)
    _ready(caller)
    try:
        assert [_begin(caller) for _ in range(3)] == [{'event_id': 7}] * 3
        assert names == [threading.current_thread().name] * 3
        assert caller.answered == 3
    finally:
        caller.close()


def test_a_call_waiting_while_another_reads_is_answered_after_that_one_left(api):
    """The first call's thread reads; the second waits. The first leaves with its answer,
    and the Caller's reply thread reads the second's."""
    def slowly(request):
        time.sleep(0.3)
        return {'n': request.args.get('n')}
    api(slowly)
    caller = _caller()
    names = _readers(caller)
    _ready(caller)
    try:
        assert _calls(caller, 2, name='call', spacing=0.1) == {0: {'n': 0}, 1: {'n': 1}}
        assert names == ['call-0', step_caller.CONNECTION_NAME]
        assert _begin(caller) == {'n': None}             # and a call alone reads again
        assert names[-1] == threading.current_thread().name
    finally:
        caller.close()


def test_many_calls_at_once_each_get_their_own_answer(api):
    api(lambda request: {'n': request.args['n']})
    caller = _ready(_caller())
    try:
        for _ in range(3):
            assert _calls(caller, 16, name='many') == {i: {'n': i} for i in range(16)}
        assert (caller.answered, caller.timed_out) == (48, 0) and not caller._waiters
        assert _eventually(lambda: caller._reader is None)   # nobody reads for nobody
    finally:
        caller.close()


def test_the_apis_exception_is_raised_as_oslo_messaging_raises_it(api):
    api(lambda request: exception.UnexpectedTaskStateError(
        instance_uuid=UUID, expected=['rebooting'], actual='deleting'))
    caller = _ready(_caller())
    try:
        with pytest.raises(exception.UnexpectedTaskStateError) as raised:
            _begin(caller)
        assert 'deleting' in str(raised.value)
    finally:
        caller.close()


def test_no_answer_is_a_messaging_timeout(api):
    api(lambda request: None)
    caller = _ready(_caller())
    try:
        with pytest.raises(oslo_messaging.MessagingTimeout):
            _begin(caller, timeout=0.2)
        assert caller.timed_out == 1 and not caller._waiters
    finally:
        caller.close()


def test_after_a_call_with_no_answer_the_caller_takes_a_new_connection(api, monkeypatch):
    """A connection without heartbeats may be dead without a word from the broker: a
    timed-out call makes the thread connect and declare its queue again."""
    answering = threading.Event()
    api(lambda request: {'event_id': 1} if answering.is_set() else None)
    monkeypatch.setattr(step_caller, 'RETRY_AFTER', 0.05)
    factory = Breaking()
    caller = _ready(_caller(factory))
    try:
        first_queue = caller.reply_q
        with pytest.raises(oslo_messaging.MessagingTimeout):
            _begin(caller, timeout=0.2)
        assert _eventually(lambda: factory.made == 2 and caller._ready.is_set())
        answering.set()
        assert _begin(caller) == {'event_id': 1} and caller.reply_q != first_queue
    finally:
        caller.close()


def _eventually(predicate, timeout=5):
    """Whether ``predicate()`` became true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_refused_publish_is_handed_back(api):
    api(lambda request: 'never asked')
    exchange = kombu_transport.topic_exchange(beats._conf('kombu+memory:////'))
    refusing = lean_publisher.Publisher(['memory://'], exchange=exchange, name='refusing',
                                        connection_factory=beats.Refused(failures=10))
    caller = _ready(_caller(publisher=refusing))
    try:
        assert _begin(caller) is step_caller.NOT_TAKEN
        assert (caller.answered, caller.declined) == (0, 2) and not caller._waiters
    finally:
        caller.close()


class Breaking:
    """A connection factory whose connections raise from ``drain_events`` once
    ``broken`` is set (the broker dropped the reply queue's connection)."""

    def __init__(self):
        self.broken, self.made = threading.Event(), 0

    def __call__(self, urls, **options):
        self.made += 1
        conn = kombu.Connection('memory://')
        real = conn.drain_events

        def drain_events(timeout=None):
            if self.broken.is_set():
                raise ConnectionResetError('connection reset by the broker')
            return real(timeout=min(timeout or 0.05, 0.05))
        conn.drain_events = drain_events
        return conn


def test_a_call_waiting_when_the_reply_queue_is_lost_is_handed_back_at_once(
        api, monkeypatch):
    api(lambda request: None)                             # its answer would be lost
    monkeypatch.setattr(step_caller, 'RETRY_AFTER', 0.05)
    factory = Breaking()
    caller = _ready(_caller(factory))
    try:
        timer = threading.Timer(0.2, factory.broken.set)
        timer.start()
        assert _begin(caller, timeout=30) is step_caller.NOT_TAKEN    # not after 30 s
        timer.join()
        factory.broken.clear()
        assert caller._ready.wait(5) and factory.made == 2      # consumed again
    finally:
        caller.close()


def test_conductor_begin_goes_through_the_caller_on_the_steps_topic_only(api):
    fake = api(lambda request: {'instance': {'uuid': UUID}, 'event_id': 3})
    transport = rpc.get_rpc_transport(beats._conf('kombu+memory:////'))
    client = conductor_rpcapi.ConductorAPI(transport, host='h1', timeout=5)
    client.step_caller = caller = _ready(_caller())
    ctx = cep_context.get_admin_context()
    try:
        client.attempts = 1
        client.client = client.steps_client = client.client.prepare(timeout=0.2)
        # The conductor topic (no steps topic named yet): oslo.messaging's call.
        with pytest.raises(oslo_messaging.MessagingTimeout):
            client.begin(ctx, UUID, event='compute_reboot_instance',
                         values={'task_state': 'reboot_pending'},
                         expected_task_state=['rebooting'])
        assert caller.answered == 0 and fake.requests == []
        client.steps_client = rpc.get_client(transport, TOPIC, version='1.0')
        assert client.begin(ctx, UUID, event='compute_reboot_instance',
                            values={'task_state': 'reboot_pending'},
                            expected_task_state=['rebooting']) == ({'uuid': UUID}, 3)
        assert caller.answered == 1
        sent = json.loads(fake.requests[0][0]['oslo.message'])
        assert (sent['method'], sent['args']['host'], sent['args']['event']) == (
            'begin', 'h1', 'compute_reboot_instance')
    finally:
        caller.close()
        transport.cleanup()


def test_the_off_switch_and_other_transports_keep_oslo_messaging():
    url = 'rabbit://u:p@broker:5672/vh'
    assert step_caller.for_conf(beats._conf(url, steps_caller='rpc')) is None
    assert step_caller.for_conf(beats._conf('fake:/')) is None
    one = step_caller.for_conf(beats._conf(url))
    assert one is step_caller.for_conf(beats._conf(url))     # one per process and URL
    assert (one.publisher.delivery_mode, one.publisher.confirm_timeout) == (1, None)
    assert one._thread is None                               # nothing opened before a call
    step_caller.close_all()
    lean_publisher.close_all()
