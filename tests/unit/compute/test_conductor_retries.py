"""A conductor call that times out is retried with a longer timeout each time (doubled,
capped, a little jitter), so an overloaded api gets fewer duplicates of a call it still
has queued; a step that times out once on the steps topic is retried there, not on the
costlier conductor topic."""

import threading
import time

import oslo_messaging
import pytest
from oslo_messaging._drivers import impl_fake

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi


class StubClient:
    """An RPCClient stand-in: records each call's timeout and topic, times out
    ``timeouts`` times, then answers."""

    def __init__(self, topic, log, timeouts=0, default_timeout=15):
        self.target = oslo_messaging.Target(topic=topic)
        self.log, self.timeouts, self.default_timeout = log, timeouts, default_timeout
        self.options = {}

    def prepare(self, **options):
        clone = StubClient(self.target.topic, self.log, default_timeout=self.default_timeout)
        clone.options = dict(self.options, **options)
        clone.parent = self
        return clone

    def call(self, context, method, **kwargs):
        owner = getattr(self, 'parent', self)
        self.log.append((self.target.topic, method,
                         self.options.get('timeout', self.default_timeout)))
        if owner.timeouts:
            owner.timeouts -= 1
            raise oslo_messaging.MessagingTimeout('no answer')
        return {'instance': {'uuid': kwargs.get('instance_uuid')}, 'event_id': 7}


def _conductor(monkeypatch, *, timeouts, timeout=15, attempts=4, steps_timeouts=None):
    """A ConductorAPI whose clients are stubs (``steps_timeouts``: a steps topic that
    times out that often)."""
    monkeypatch.setattr(rpc, 'get_client', lambda *a, **k: None)
    api = conductor_rpcapi.ConductorAPI(None, host='h1', timeout=timeout,
                                        attempts=attempts, group_commit=False)
    log = []
    api.client = StubClient('cepheid-api', log, timeouts, timeout)
    api.steps_client = api.client
    if steps_timeouts is not None:
        api.steps_client = StubClient('cepheid-api-steps', log, steps_timeouts, timeout)
    return api, log


def _begin(api):
    return api.begin(cep_context.get_admin_context(), 'u1', event='e',
                     values={'task_state': 'reboot_pending'},
                     expected_task_state=['rebooting'])


def test_each_retry_waits_twice_as_long_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(conductor_rpcapi.random, 'uniform', lambda a, b: 0)
    api, log = _conductor(monkeypatch, timeouts=3)
    assert api.instances_on_host(cep_context.get_admin_context())
    assert [entry[2] for entry in log] == [15, 30, 60, 60]


def test_the_last_attempt_times_out_to_the_caller(monkeypatch):
    monkeypatch.setattr(conductor_rpcapi.random, 'uniform', lambda a, b: 0)
    api, log = _conductor(monkeypatch, timeouts=10, timeout=1, attempts=3)
    with pytest.raises(oslo_messaging.MessagingTimeout):
        api.instances_on_host(cep_context.get_admin_context())
    assert [entry[2] for entry in log] == [1, 2, 4]


def test_a_starting_computes_first_call_asks_again_soon_then_as_any_call(monkeypatch):
    """The api may not have declared its queue yet (a broker drops a call sent to no
    queue): the first call is asked again after 1, 2, 4, 8 s, then retried as any other
    (those early attempts are not counted against ``attempts``)."""
    monkeypatch.setattr(conductor_rpcapi.random, 'uniform', lambda a, b: 0)
    api, log = _conductor(monkeypatch, timeouts=5)
    assert api.evacuations_from_host(cep_context.get_admin_context())
    assert [entry[1:] for entry in log] == [
        ('evacuations_from_host', 1.0), ('evacuations_from_host', 2.0),
        ('evacuations_from_host', 4.0), ('evacuations_from_host', 8.0),
        ('evacuations_from_host', 15), ('evacuations_from_host', 30)]
    api, log = _conductor(monkeypatch, timeouts=10, attempts=2)
    with pytest.raises(oslo_messaging.MessagingTimeout):
        api.evacuations_from_host(cep_context.get_admin_context())
    assert [entry[2] for entry in log] == [1.0, 2.0, 4.0, 8.0, 15, 30]


def test_an_api_that_answers_at_once_is_asked_once(monkeypatch):
    api, log = _conductor(monkeypatch, timeouts=0)
    assert api.evacuations_from_host(cep_context.get_admin_context())
    assert [entry[2] for entry in log] == [1.0]


def test_retries_are_jittered_below_the_doubled_timeout(monkeypatch):
    api, _ = _conductor(monkeypatch, timeouts=0)
    values = {round(api.retry_timeout(1), 6) for _ in range(50)}
    assert len(values) > 1
    assert all(30 * (1 - conductor_rpcapi.RETRY_JITTER) <= v <= 30 for v in values)
    assert all(v <= 60 for v in (api.retry_timeout(n) for n in range(2, 8)))


def test_a_step_timed_out_once_is_retried_on_the_steps_topic(monkeypatch):
    monkeypatch.setattr(conductor_rpcapi.random, 'uniform', lambda a, b: 0)
    api, log = _conductor(monkeypatch, timeouts=0, steps_timeouts=1)
    steps = api.steps_client
    assert _begin(api) == ({'uuid': 'u1'}, 7)
    assert log == [('cepheid-api-steps', 'begin', 15), ('cepheid-api-steps', 'begin', 30)]
    assert api.steps_client is steps          # an overloaded api keeps its cheap path


def test_a_step_timed_out_twice_on_the_steps_topic_goes_to_the_conductor(monkeypatch):
    monkeypatch.setattr(conductor_rpcapi.random, 'uniform', lambda a, b: 0)
    api, log = _conductor(monkeypatch, timeouts=0, steps_timeouts=2)
    assert _begin(api) == ({'uuid': 'u1'}, 7)
    assert log == [('cepheid-api-steps', 'begin', 15), ('cepheid-api-steps', 'begin', 30),
                   ('cepheid-api', 'begin', 60)]
    assert api.steps_client is api.client


class SlowOnceSteps:
    """A steps endpoint that answers its first call late (an api with a backlog)."""

    def __init__(self, delay):
        self.delay, self.calls = delay, []
        self.target = oslo_messaging.Target(version='1.11')
        self._lock = threading.Lock()

    def begin(self, context, *, host, instance_uuid, event, values, expected_task_state):
        with self._lock:
            self.calls.append(instance_uuid)
            first = len(self.calls) == 1
        if first:
            time.sleep(self.delay)
        return {'instance': {'uuid': instance_uuid}, 'event_id': 7}


def test_a_late_answer_on_the_steps_topic_over_a_bus_keeps_the_steps_there():
    impl_fake.FakeExchangeManager.cleanup()     # no call another test left unanswered
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    steps = SlowOnceSteps(delay=0.6)
    server = rpc.get_server(conf, transport, 'cepheid-api-steps', server='api',
                            endpoints=[steps])
    server.start()
    try:
        api = conductor_rpcapi.ConductorAPI(transport, host='h1', timeout=0.3,
                                            group_commit=False)
        api.steps_client = rpc.get_client(transport, 'cepheid-api-steps', version='1.0',
                                          timeout=0.3)
        assert _begin(api) == ({'uuid': 'u1'}, 7)
        assert api.steps_client.target.topic == 'cepheid-api-steps'
        assert steps.calls == ['u1', 'u1']    # the duplicate is served, as any retry
    finally:
        server.stop()
        server.wait()
