"""Group commit on the compute: reports made while one is in flight go as one message."""

import threading

import pytest

from cepheid.compute import report_batcher


class GatedSender:
    """Records each message (the reports' methods); holds the first until released."""

    def __init__(self):
        self.messages = []
        self.first_in_flight = threading.Event()
        self.release = threading.Event()

    def __call__(self, reports):
        self.messages.append([r.method for r in reports])
        if len(self.messages) == 1:
            self.first_in_flight.set()
            assert self.release.wait(5)
        for report in reports:
            if report.method == 'fails':
                report.error = ValueError(report.args)
            else:
                report.result = ('done', report.args)


def _in_thread(fn, *args, **kwargs):
    out = {}

    def run():
        try:
            out['result'] = fn(*args, **kwargs)
        except Exception as exc:
            out['error'] = exc
    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_a_lone_report_is_sent_at_once_alone():
    sender = GatedSender()
    sender.release.set()
    batcher = report_batcher.ReportBatcher(sender)
    assert batcher.submit('begin', None, 1) == ('done', 1)
    assert sender.messages == [['begin']]


def test_reports_made_while_one_is_in_flight_go_together_each_with_its_result():
    sender = GatedSender()
    batcher = report_batcher.ReportBatcher(sender)
    first, first_out = _in_thread(batcher.submit, 'begin', None, 0)
    assert sender.first_in_flight.wait(5)
    waiters = [_in_thread(batcher.submit, 'task_finish', None, n) for n in (1, 2)]
    failing, failing_out = _in_thread(batcher.submit, 'fails', None, 3)
    assert batcher.submit('task_advance', None, 4, wait=False) is None   # a cast: no wait
    _wait_queued(batcher, 4)
    sender.release.set()
    for thread, _ in [(first, first_out), *waiters, (failing, failing_out)]:
        thread.join(5)
    assert sender.messages == [['begin'], ['task_finish', 'task_finish', 'fails',
                                           'task_advance']]
    assert first_out['result'] == ('done', 0)
    assert [out['result'] for _, out in waiters] == [('done', 1), ('done', 2)]
    assert isinstance(failing_out['error'], ValueError)


def test_casts_queued_behind_a_message_are_sent_when_it_completes():
    sender = GatedSender()
    batcher = report_batcher.ReportBatcher(sender)
    first, _ = _in_thread(batcher.submit, 'begin', None, 0)
    assert sender.first_in_flight.wait(5)
    batcher.submit('task_advance', None, 1, wait=False)
    sender.release.set()
    first.join(5)
    assert sender.messages == [['begin'], ['task_advance']]


def test_a_failing_send_is_the_error_of_every_report_in_it():
    def broken(reports):
        raise ConnectionError('broker gone')
    batcher = report_batcher.ReportBatcher(broken)
    with pytest.raises(ConnectionError):
        batcher.submit('begin', None, 0)
    # The batcher is free again: the next report is sent (and fails) on its own.
    with pytest.raises(ConnectionError):
        batcher.submit('begin', None, 1)


def _wait_queued(batcher, count):
    for _ in range(500):
        if batcher.queued() >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError('reports never queued')
