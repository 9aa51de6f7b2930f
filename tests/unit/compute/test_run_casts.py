"""Compute RPC 1.8 run_casts: the outbox's casts for one host in one message, each run as
if it came alone (its own context, in order; a bad item alone is dropped); a client
capped below 1.8 (older computes) does not batch."""

import oslo_messaging
import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import objects
from cepheid.compute import endpoint as compute_endpoint
from cepheid.compute import rpcapi as compute_rpcapi
from tests.fixtures import local_stack


class RecordingQueue:
    def __init__(self):
        self.submitted = []

    def submit(self, uuid, runner, operation, context, instance, **kwargs):
        self.submitted.append((uuid, operation.__name__, context.request_id, kwargs))


@pytest.fixture
def endpoint():
    stack = local_stack.LocalStack()
    endpoint = compute_endpoint.ComputeEndpoint(stack.manager, RecordingQueue())
    endpoint.stack = stack
    return endpoint


def _item(method, context, **kwargs):
    return {'method': method, 'context': context.to_dict(), 'kwargs': kwargs}


def test_each_cast_of_a_batch_is_queued_in_order_with_its_own_context(endpoint):
    stack = endpoint.stack
    one, two = (objects.instance_to_primitive(stack.make_instance()) for _ in range(2))
    first, second = stack.context(), stack.context()
    endpoint.run_casts(first, casts=[
        _item('reboot_instance', first, instance=one, reboot_type='SOFT'),
        _item('set_admin_password', first, instance=one, new_pass='x'),   # a call: dropped
        {'method': 'reboot_instance'},                                       # no context
        _item('no_such_method', first, instance=one),
        _item('reboot_instance', second, instance=two, reboot_type='BOGUS'),  # refused
        _item('reboot_instance', second, instance=two, reboot_type='HARD')])
    assert endpoint.queue.submitted == [
        (one['uuid'], 'reboot_instance', first.request_id, {'reboot_type': 'SOFT'}),
        (two['uuid'], 'reboot_instance', second.request_id, {'reboot_type': 'HARD'})]


class Capture:
    def __init__(self):
        self.sent = []

    def prepare(self, **kwargs):
        self.kwargs = kwargs
        return self

    def cast(self, context, method, **kwargs):
        self.sent.append((self.kwargs, context.request_id, method, kwargs))


@pytest.mark.parametrize('cap, batches', [(None, True), ('1.8', True), ('1.7', False)])
def test_the_api_batches_only_when_its_version_cap_allows_1_8(cap, batches):
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    rpcapi = compute_rpcapi.ComputeRPCAPI(transport, retry=0, version_cap=cap)
    assert rpcapi.can_batch() is batches


def test_a_batch_is_one_run_casts_cast_to_the_host_carrying_each_context():
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    rpcapi = compute_rpcapi.ComputeRPCAPI(transport, retry=0)
    rpcapi.client = Capture()
    first = cep_context.RequestContext(user_id='u', project_id='p')
    second = cep_context.RequestContext(user_id='u', project_id='p')
    casts = [(ctx.to_dict(), compute_rpcapi.Cast('h1', 'reboot_instance', {'n': n}))
             for n, ctx in enumerate((first, second))]
    rpcapi.send_batch('h1', casts)
    [(prepared, request_id, method, kwargs)] = rpcapi.client.sent
    assert prepared == {'server': 'h1', 'retry': 0, 'version': '1.8'}
    assert (request_id, method) == (first.request_id, 'run_casts')
    assert [(c['method'], c['context']['request_id'], c['kwargs']) for c in kwargs['casts']] == [
        ('reboot_instance', first.request_id, {'n': 0}),
        ('reboot_instance', second.request_id, {'n': 1})]


@pytest.mark.parametrize('message, expected', [
    ({'method': 'reboot_instance', 'args': {}}, True),
    ({'method': 'build_and_run_instance'}, True),
    ({'method': 'stop_instance'}, True),                    # a table action
    ({'method': 'prep_resize'}, True),                      # a move's step
    ({'method': 'run_casts', 'args': {'casts': [{'method': 'reboot_instance'},
                                                {'method': 'start_instance'}]}}, True),
    ({'method': 'run_casts', 'args': {'casts': []}}, True),
    # A live migration's cast marks the migration through the api first.
    ({'method': 'live_migration'}, False),
    ({'method': 'run_casts', 'args': {'casts': [{'method': 'reboot_instance'},
                                                {'method': 'live_migration'}]}}, False),
    ({'method': 'live_migration_abort'}, False),
    ({'method': 'external_instance_event'}, False),
    ({'method': 'get_console_output'}, False),              # calls
    ({'method': 'pre_live_migration'}, False),
    ({'method': 'run_casts', 'args': {'casts': 'reboot_instance'}}, False),
    ({'method': 'run_casts', 'args': {'casts': ['reboot_instance']}}, False),
    ({'method': 'run_casts'}, False),
    ({}, False),
])
def test_only_casts_that_queue_run_in_the_listener_thread(message, expected):
    assert compute_endpoint.runs_at_once(message) is expected


def test_every_method_that_runs_at_once_is_a_method_of_the_endpoint():
    for method in compute_endpoint.QUEUES_ONLY:
        assert callable(getattr(compute_endpoint.ComputeEndpoint, method)), method
    assert not compute_endpoint.QUEUES_ONLY & compute_endpoint.NOT_BATCHED
