"""common.periodic.PeriodicThread: runs until stopped, survives a failing run, off at 0."""

import threading

from cepheid.common import periodic


class Counting(periodic.PeriodicThread):
    thread_name = 'counting'

    def __init__(self, interval, fail_first=False):
        super().__init__()
        self.interval = interval
        self.fail_first = fail_first
        self.runs, self.failures = 0, []
        self.third_run = threading.Event()

    def check_once(self):
        self.runs += 1
        if self.runs >= 3:
            self.third_run.set()
        if self.fail_first and self.runs == 1:
            raise RuntimeError('first run fails')

    def run_failed(self, exc):
        self.failures.append(str(exc))


def test_runs_repeatedly_and_a_failed_run_does_not_end_the_thread():
    job = Counting(0.01, fail_first=True)
    job.start()
    try:
        assert job.third_run.wait(5)
    finally:
        job.stop()
    assert job.failures == ['first run fails']
    assert not job._thread.is_alive()
    assert job._thread.name == 'counting'


def test_interval_zero_starts_no_thread():
    job = Counting(0)
    job.start()
    job.stop()
    assert job._thread is None and job.runs == 0
