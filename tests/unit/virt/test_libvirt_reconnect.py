"""The libvirt reconnect policy: backoff delays and the retrying thread (no libvirt needed)."""

import itertools
import threading

from cepheid.compute.virt.libvirt import reconnect
from tests.fixtures import driver_contract


def test_backoff_doubles_from_the_initial_delay_up_to_the_maximum():
    delays = reconnect.Backoff(initial=0.1, maximum=1.0).delays()
    assert [round(d, 3) for d in itertools.islice(delays, 7)] == [
        0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


class FlakyAttempt:
    """Fails ``failures`` times, then succeeds; records when it was called."""

    def __init__(self, failures):
        self.failures = failures
        self.calls = 0
        self.done = threading.Event()

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            return False
        self.done.set()
        return True


def _reconnector(attempt, initial=0.01):
    return reconnect.Reconnector(attempt, reconnect.Backoff(initial=initial, maximum=0.02),
                                 'test-reconnect')


def test_the_reconnector_retries_until_an_attempt_succeeds():
    attempt = FlakyAttempt(failures=4)
    reconnector = _reconnector(attempt)
    reconnector.request()
    assert attempt.done.wait(5)
    assert attempt.calls == 5
    assert reconnector.attempts == 5


def test_an_attempt_that_raises_is_retried_like_a_failed_one():
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError('boom')
        return True

    reconnector = _reconnector(attempt)
    reconnector.request()
    assert driver_contract.wait_until(lambda: len(calls) == 2 and not reconnector.running)


def test_a_request_during_a_loop_runs_the_loop_once_more():
    release = threading.Event()
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) == 1:
            release.wait(5)     # the first loop is busy when the second request comes
        return True

    reconnector = _reconnector(attempt)
    reconnector.request()
    assert driver_contract.wait_until(lambda: calls)
    reconnector.request()
    release.set()
    assert driver_contract.wait_until(lambda: len(calls) == 2)


def test_stop_ends_the_retries_and_later_requests_are_ignored():
    attempt = FlakyAttempt(failures=10**9)
    reconnector = _reconnector(attempt)
    reconnector.request()
    assert driver_contract.wait_until(lambda: attempt.calls >= 2)
    reconnector.stop()
    assert driver_contract.wait_until(lambda: not reconnector.running, timeout=2)
    calls = attempt.calls
    reconnector.request()
    assert not reconnector.running
    assert attempt.calls == calls
