"""Waiting on a guest: event wake-ups, polling fallback, escalation, timeouts."""

import threading
import time

from cepheid.compute.virt.libvirt import guest_wait

WaitResult = guest_wait.WaitResult


class Flag:
    """A check that counts its calls and turns true when set."""

    def __init__(self):
        self.value = False
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def _in_thread(fn):
    result = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    return thread, result


def _wait_registered(waiter, uuid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not waiter.is_waiting(uuid):
        assert time.monotonic() < deadline, 'waiter never registered'
        time.sleep(0.005)


def test_reached_at_once_when_the_check_is_already_true():
    waiter = guest_wait.GuestWaiter()
    with waiter.waiting('u1') as wait:
        assert wait.until(lambda: True, timeout=5, poll_interval=5) is WaitResult.REACHED


def test_a_notification_wakes_the_wait_long_before_the_poll_interval():
    waiter = guest_wait.GuestWaiter()
    flag = Flag()

    def _wait():
        with waiter.waiting('u1') as wait:
            return wait.until(flag, timeout=60, poll_interval=60)

    start = time.monotonic()
    thread, result = _in_thread(_wait)
    _wait_registered(waiter, 'u1')
    flag.value = True
    waiter.notify('u1')
    thread.join(10)
    assert result == [WaitResult.REACHED]
    assert time.monotonic() - start < 10


def test_polling_finds_the_state_without_any_notification():
    waiter = guest_wait.GuestWaiter()
    flag = Flag()
    threading.Timer(0.1, lambda: setattr(flag, 'value', True)).start()
    with waiter.waiting('u1') as wait:
        assert wait.until(flag, timeout=10, poll_interval=0.02) is WaitResult.REACHED
    assert flag.calls > 1


def test_timeout_when_the_state_never_comes():
    waiter = guest_wait.GuestWaiter()
    start = time.monotonic()
    with waiter.waiting('u1') as wait:
        assert wait.until(lambda: False, timeout=0.2, poll_interval=0.05) is WaitResult.TIMEOUT
    assert time.monotonic() - start >= 0.2


def test_escalate_ends_only_escalatable_waits():
    waiter = guest_wait.GuestWaiter()
    assert waiter.escalate('u1') is False
    with waiter.waiting('u1'):
        assert waiter.escalate('u1') is False
    thread, result = _in_thread(lambda: _escalatable_wait(waiter))
    _wait_registered(waiter, 'u1')
    assert waiter.escalate('u1') is True
    thread.join(10)
    assert result == [WaitResult.ESCALATED]
    assert not waiter.is_waiting('u1')


def _escalatable_wait(waiter):
    with waiter.waiting('u1', escalatable=True) as wait:
        return wait.until(lambda: False, timeout=60, poll_interval=60)


def test_notifications_for_other_guests_do_not_end_a_wait():
    waiter = guest_wait.GuestWaiter()
    flag = Flag()
    with waiter.waiting('u1') as wait:
        waiter.notify('u2')
        assert wait.until(flag, timeout=0.1, poll_interval=0.05) is WaitResult.TIMEOUT
