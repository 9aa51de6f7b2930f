"""A queued operation runs with its own request context as the worker thread's current
one, so every line it logs carries its request id, whichever request's context the pool
thread held before."""

from oslo_context import context as oslo_context

from cepheid.common import context as cep_context
from cepheid.compute import decorators


def test_a_queued_operation_makes_its_context_the_current_one():
    earlier = cep_context.RequestContext(user_id='u1', project_id='p1')
    mine = cep_context.RequestContext(user_id='u2', project_id='p2')
    earlier.update_store()          # what the pool thread held from an earlier request
    seen = []
    decorators.run_operation(lambda context, instance: seen.append(
        oslo_context.get_current()), mine, {'uuid': 'i1'})
    assert seen == [mine]
    assert seen[0].request_id != earlier.request_id
