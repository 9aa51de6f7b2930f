"""The conductor RPC server of an api process runs on ``[api] conductor_threads`` threads
(not oslo.messaging's 64): more calls than threads at once all get their answer."""

import threading

from cepheid.api import conductor
from cepheid.api import conf as api_conf
from cepheid.api import service as api_service
from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import rpc
from tests.fixtures import local_stack

CALLERS = 24


def _executor_threads():
    """The RPC servers' executor workers (common.rpc.RPCExecutor's; futurist's when
    oslo.messaging's own executor runs)."""
    return sum(t.name.startswith('rpc-executor') or type(t).__module__.startswith('futurist')
               for t in threading.enumerate())


def test_more_concurrent_calls_than_conductor_threads_are_all_answered():
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', 'fake://')
    conf.set_override('conductor_threads', 3, group='api')
    services = api_service.ApiServices(conf, db=local_stack.LocalStack().db)
    service = api_service.ConductorService(conf, services)
    before = _executor_threads()
    service.start()
    client = rpc.get_client(services.transport, conductor.TOPIC, version='1.0', timeout=30)
    ctx = cep_context.RequestContext(user_id='compute', project_id='service', roles=[])
    go, answers = threading.Barrier(CALLERS), []

    def call():
        go.wait()
        answers.append(client.call(ctx, 'instances_on_host', host='nowhere'))

    callers = [threading.Thread(target=call) for _ in range(CALLERS)]
    try:
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(60)
        grown = _executor_threads() - before
    finally:
        service.stop()
    assert answers == [[]] * CALLERS
    assert 1 <= grown <= 3
