"""The compute's conductor client: one report goes as its own method, several as one
report_batch whose items come back as their own results and domain errors; an api service
without report_batch gets them one by one."""

import oslo_messaging
import pytest

from cepheid.common import config
from cepheid.common import context as cep_context
from cepheid.common import exception
from cepheid.common import rpc
from cepheid.compute import conductor_rpcapi
from cepheid.compute import report_batcher


class FakeClient:
    """Answers ``report_batch`` with ``batch_reply`` (or raises it) and single calls with
    their method's name; records every message."""

    def __init__(self, batch_reply):
        self.batch_reply = batch_reply
        self.sent = []

    def prepare(self, **kwargs):
        return self

    def call(self, context, method, **kwargs):
        self.sent.append(method)
        if method != 'report_batch':
            return f'{method} done'
        if isinstance(self.batch_reply, Exception):
            raise self.batch_reply
        return self.batch_reply

    def cast(self, context, method, **kwargs):
        self.sent.append(method)


@pytest.fixture
def conductor():
    """The tests replace its clients (both: the steps topic's and the conductor's)."""
    conf = config.make_conf(lambda conf: None)
    conf([])
    transport = oslo_messaging.get_rpc_transport(conf, url='fake:/')
    return conductor_rpcapi.ConductorAPI(transport, host='h1')


def _reports(*methods):
    ctx = cep_context.RequestContext(user_id='u', project_id='p')
    return [report_batcher.Report(m, ctx, ('1.2', {'instance_uuid': 'x'}), True)
            for m in methods]


def test_one_report_goes_as_its_own_method(conductor):
    conductor.client = conductor.steps_client = FakeClient(None)
    [report] = _reports('begin')
    conductor._send_reports([report])
    assert conductor.client.sent == ['begin'] and report.result == 'begin done'


def test_several_reports_go_as_one_batch_each_with_its_answer(conductor):
    miss = exception.UnexpectedTaskStateError(instance_uuid='x', expected=['a'], actual='b')
    conductor.client = conductor.steps_client = FakeClient([{'result': {'event_id': 1}},
                                   {'error': rpc.error_to_primitive(miss)}])
    ok, missed = _reports('begin', 'task_finish')
    conductor._send_reports([ok, missed])
    assert conductor.client.sent == ['report_batch']
    assert ok.result == {'event_id': 1} and ok.error is None
    assert isinstance(missed.error, exception.UnexpectedTaskStateError)
    assert missed.error.kwargs['actual'] == 'b'


def test_an_api_without_report_batch_gets_the_reports_one_by_one(conductor):
    conductor.client = conductor.steps_client = FakeClient(
        oslo_messaging.RemoteError('UnsupportedVersion', 'no 1.4'))
    reports = _reports('begin', 'task_finish')
    conductor._send_reports(reports)
    conductor._send_reports(_reports('begin', 'begin'))
    assert conductor.client.sent == ['report_batch', 'begin', 'task_finish', 'begin', 'begin']
    assert [r.result for r in reports] == ['begin done', 'task_finish done']
