"""Group commit on the conductor: a batch of reports in one transaction, each item a CAS
with its own result."""

import pytest

from cepheid.common import exception
from cepheid.common import rpc
from cepheid.common import states
from tests.fixtures import local_stack

EVENT = 'compute_reboot_instance'


@pytest.fixture
def stack():
    return local_stack.LocalStack()


def _rebooting(stack):
    instance = stack.make_instance(task_state=states.REBOOTING)
    return stack.context('reboot', instance['uuid']), instance['uuid']


def _item(method, ctx, **args):
    return {'method': method, 'context': ctx.to_dict(), 'args': args}


def _begin(ctx, uuid, expected):
    return _item('begin', ctx, instance_uuid=uuid, event=EVENT,
                 values={'task_state': states.REBOOT_PENDING}, expected_task_state=expected)


def test_each_item_of_a_batch_gets_its_own_result_and_a_miss_is_only_its_own(stack):
    (ctx_a, a), (ctx_b, b) = _rebooting(stack), _rebooting(stack)
    replies = stack.conductor.endpoint.report_batch(ctx_a, host=local_stack.HOST, items=[
        _begin(ctx_a, a, [states.REBOOTING]),
        _begin(ctx_b, b, [states.REBOOTING_HARD]),          # a miss: b is soft
        _item('task_advance', ctx_b, instance_uuid=b, values={'task_state': None},
              expected_task_state=[states.REBOOT_STARTED]),   # a missed cast: no error
        _item('instance_destroy', ctx_a, instance_uuid=a, event=EVENT),
    ])
    assert replies[0]['result']['instance']['task_state'] == states.REBOOT_PENDING
    error = rpc.error_from_primitive(replies[1]['error'])
    assert isinstance(error, exception.UnexpectedTaskStateError)
    assert error.kwargs['actual'] == states.REBOOTING
    assert replies[2] == {'result': None}
    assert isinstance(rpc.error_from_primitive(replies[3]['error']),
                      exception.InvalidRPCPayload)
    assert stack.get(a)['task_state'] == states.REBOOT_PENDING
    assert stack.get(b)['task_state'] == states.REBOOTING
    _, events = stack.events(b, ctx_b.request_id)
    assert [(e['result'], e['finish_time'] is not None) for e in events] == [('Error', True)]

    event_id = replies[0]['result']['event_id']
    finish = _item('task_finish', ctx_a, instance_uuid=a, event=EVENT, result='Success',
                   values={'task_state': None, 'vm_state': states.ACTIVE},
                   expected_task_state=[states.REBOOT_PENDING], event_id=event_id)
    [reply] = stack.conductor.endpoint.report_batch(ctx_a, host=local_stack.HOST,
                                                    items=[finish])
    assert reply['result']['saved'] is True
    _, events = stack.events(a, ctx_a.request_id)
    assert [e['result'] for e in events] == ['Success']


def test_an_item_failing_the_shared_transaction_fails_alone(stack):
    (ctx_a, a), (ctx_b, b) = _rebooting(stack), _rebooting(stack)
    bad_fault = {'code': 'not a number', 'message': 'x'}
    replies = stack.conductor.endpoint.report_batch(ctx_a, host=local_stack.HOST, items=[
        _item('task_update', ctx_a, instance_uuid=a, values={'task_state': None},
              expected_task_state=[states.REBOOTING]),
        _item('task_finish', ctx_b, instance_uuid=b, event=EVENT, result='Error',
              values={'task_state': None}, expected_task_state=[states.REBOOTING],
              fault=bad_fault),
    ])
    assert replies[0]['result']['task_state'] is None
    assert 'error' in replies[1]
    assert stack.get(a)['task_state'] is None
    assert stack.get(b)['task_state'] == states.REBOOTING    # its transaction rolled back


def test_a_batch_is_bounded(stack):
    ctx, uuid = _rebooting(stack)
    item = _item('task_update', ctx, instance_uuid=uuid, values={'task_state': None},
                 expected_task_state=[None])
    with pytest.raises(exception.InvalidRPCPayload):
        stack.conductor.endpoint.report_batch(ctx, host=local_stack.HOST,
                                              items=[item] * 1000)
