"""waitress's request threads woken last-idle first: the condition it waits on."""

import threading
import time

from cepheid.api import wsgi


def _waiting(cv, count):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with cv:
            if len(cv._waiters) == count:
                return
        time.sleep(0.001)
    raise AssertionError(f'{count} waiters never waited')


def test_notify_wakes_the_thread_that_began_waiting_last():
    cv = wsgi.MostRecentFirst(threading.Lock())
    woken = []

    def wait(name):
        with cv:
            cv.wait(10)
            woken.append(name)
    threads = []
    for index, name in enumerate(('first', 'second', 'third')):
        thread = threading.Thread(target=wait, args=(name,))
        thread.start()
        threads.append(thread)
        _waiting(cv, index + 1)
    for expected in (['third'], ['third', 'second']):
        with cv:
            cv.notify()
        deadline = time.monotonic() + 5
        while woken != expected and time.monotonic() < deadline:
            time.sleep(0.001)
        assert woken == expected
    with cv:
        cv.notify_all()
    for thread in threads:
        thread.join(5)
    assert woken == ['third', 'second', 'first']


def test_a_timed_out_waiter_leaves_the_stack():
    cv = wsgi.MostRecentFirst(threading.Lock())
    with cv:
        assert cv.wait(0.01) is False
        assert not cv._waiters
        cv.notify()     # nobody waits: nothing to wake
