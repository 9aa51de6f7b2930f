"""Natural batching of a compute's state reports (group commit, the sending side).

At most one report message of this compute is in flight. The thread that finds none in
flight sends its report at once (at one operation in flight nothing ever waits); reports
made while a message is in flight queue up, and when it completes the oldest waiting
caller sends everything queued as one message — each item keeps its own result or
error. Items nobody waits for (casts) ride along; when only such items are queued, the
thread that just finished sends them before returning.
"""

import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Report:
    """One queued report: ``method``, ``context``, ``args``; ``wait``: a caller awaits it."""

    __slots__ = ('method', 'context', 'args', 'wait', 'done', 'lead', 'result', 'error')

    def __init__(self, method, context, args, wait):
        self.method, self.context, self.args, self.wait = method, context, args, wait
        self.done = threading.Event()
        self.lead = False
        self.result = self.error = None


class ReportBatcher:
    """``send(reports)`` delivers a list of reports and sets each one's result or error
    (it must not raise for a report's own failure; an exception escaping ``send`` becomes
    the error of every report in that message)."""

    def __init__(self, send, *, max_batch=64):
        self._send = send
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queued = []
        self._sending = False

    def submit(self, method, context, args, *, wait=True):
        """Report ``method(args)``; with ``wait`` return its result (or raise its error)."""
        report = Report(method, context, args, wait)
        with self._lock:
            self._queued.append(report)
            if not self._sending:
                self._sending = report.lead = True
        if not report.lead:
            if not wait:
                return None
            report.done.wait()
        if report.lead:
            self._send_queued()
        if report.error is not None:
            raise report.error
        return report.result

    def queued(self):
        """Reports waiting for the message in flight to complete."""
        with self._lock:
            return len(self._queued)

    def _send_queued(self):
        """Send what is queued (this thread's report first), then hand over."""
        while True:
            with self._lock:
                batch = self._queued[:self.max_batch]
                del self._queued[:self.max_batch]
            self._deliver(batch)
            with self._lock:
                waiting = next((r for r in self._queued if r.wait), None)
                if waiting is not None:
                    # The oldest caller that waits sends the next message.
                    self._queued.remove(waiting)
                    self._queued.insert(0, waiting)
                    waiting.lead = True
                    waiting.done.set()
                    return
                if not self._queued:
                    self._sending = False
                    return
            # Only casts queued: send them now rather than leave them for a later caller.

    def _deliver(self, batch):
        try:
            self._send(batch)
        except Exception as exc:
            for report in batch:
                if report.result is None and report.error is None:
                    report.error = exc
        for report in batch:
            if not report.wait and report.error is not None:
                LOG.debug('Report %s not applied: %s', report.method, report.error)
            report.done.set()
