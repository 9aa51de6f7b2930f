"""The warm pool: a trickle stays on one thread, a burst spreads, the rest waits in order."""

import threading
import time

import pytest

from cepheid.common import warm_pool


def _run_and_wait(pool, fn, *args):
    done = threading.Event()

    def wrapped():
        try:
            fn(*args)
        finally:
            done.set()
    pool.submit(wrapped)
    assert done.wait(5)


def _settle(pool, idle):
    """Wait until ``idle`` workers wait on the stack (a worker parks after its work)."""
    deadline = time.monotonic() + 5
    while pool.idle_workers() < idle and time.monotonic() < deadline:
        time.sleep(0.001)
    assert pool.idle_workers() == idle


def test_a_trickle_of_work_runs_on_the_thread_that_went_idle_last():
    pool = warm_pool.WarmPool(8, thread_name_prefix='t')
    names = []
    for _ in range(20):
        _run_and_wait(pool, lambda: names.append(threading.current_thread().name))
        _settle(pool, 1)
    assert set(names) == {'t_0'}
    assert pool.workers() == 1
    pool.shutdown()


def test_the_worker_done_last_takes_the_next_item():
    pool = warm_pool.WarmPool(3, thread_name_prefix='t')
    gates = [threading.Event() for _ in range(3)]
    started = threading.Barrier(4, timeout=5)

    def hold(gate):
        started.wait()
        gate.wait(5)
    for gate in gates:
        pool.submit(hold, gate)
    started.wait()              # three workers, each holding one item
    for index in (2, 0, 1):     # they go idle in this order: t_1 is on top
        gates[index].set()
        _settle(pool, (2, 0, 1).index(index) + 1)
    seen = []
    _run_and_wait(pool, lambda: seen.append(threading.current_thread().name))
    assert seen == ['t_1']
    pool.shutdown()


def test_a_burst_spreads_over_max_workers_and_the_rest_waits_in_order():
    pool = warm_pool.WarmPool(2, thread_name_prefix='t')
    gate = threading.Event()
    both = threading.Barrier(3, timeout=5)
    order, all_done = [], threading.Event()

    def blocker():
        both.wait()
        gate.wait(5)

    def record(i):
        order.append(i)
        if len(order) == 10:
            all_done.set()
    pool.submit(blocker)
    pool.submit(blocker)
    both.wait()                 # two threads busy: the rest must wait
    for i in range(10):
        pool.submit(record, i)
    assert order == []
    gate.set()
    assert all_done.wait(5)
    assert sorted(order) == list(range(10))
    assert pool.workers() == 2
    pool.shutdown()


def test_failing_work_is_logged_and_the_worker_goes_on(caplog):
    pool = warm_pool.WarmPool(1, thread_name_prefix='t')

    def boom():
        raise RuntimeError('boom')
    pool.submit(boom)
    names = []
    _run_and_wait(pool, lambda: names.append(threading.current_thread().name))
    assert names == ['t_0']
    assert 'work failed' in caplog.text and 'boom' in caplog.text
    pool.shutdown()


def test_shutdown_runs_what_waits_or_drops_it_and_refuses_more():
    for cancel, expected in ((False, [1, 2]), (True, [])):
        pool = warm_pool.WarmPool(1, thread_name_prefix='t')
        gate, started = threading.Event(), threading.Event()
        ran = []

        def hold(started=started, gate=gate):
            started.set()
            gate.wait(5)
        pool.submit(hold)
        assert started.wait(5)
        pool.submit(ran.append, 1)
        pool.submit(ran.append, 2)
        stopper = threading.Thread(target=pool.shutdown,
                                   kwargs={'wait': True, 'cancel_waiting': cancel})
        stopper.start()
        time.sleep(0.05)
        gate.set()
        stopper.join(5)
        assert not stopper.is_alive()
        assert ran == expected
        assert not any(w.thread.is_alive() for w in pool._workers)
        with pytest.raises(RuntimeError):
            pool.submit(ran.append, 3)


def test_shutdown_wakes_idle_workers():
    pool = warm_pool.WarmPool(4, thread_name_prefix='t')
    for _ in range(3):
        _run_and_wait(pool, lambda: None)
    pool.shutdown(wait=True)
    assert not any(w.thread.is_alive() for w in pool._workers)


def test_at_least_one_worker():
    with pytest.raises(ValueError):
        warm_pool.WarmPool(0)
