"""Per-instance serialization: one at a time per UUID, in order; UUIDs run concurrently."""

import threading
import time

from cepheid.compute import instance_queue


def test_operations_on_one_uuid_run_in_order_without_overlap():
    queue = instance_queue.InstanceWorkQueue(max_workers=4)
    active, max_active, order = [0], [0], []
    lock = threading.Lock()
    done = threading.Event()

    def op(i):
        with lock:
            active[0] += 1
            max_active[0] = max(max_active[0], active[0])
        time.sleep(0.002)
        with lock:
            active[0] -= 1
            order.append(i)
            if len(order) == 20:
                done.set()
    for i in range(20):
        queue.submit('a', op, i)
    assert done.wait(10)
    assert order == list(range(20))
    assert max_active[0] == 1
    queue.shutdown()


def test_different_uuids_run_concurrently_and_queued_ops_hold_no_thread():
    queue = instance_queue.InstanceWorkQueue(max_workers=2)
    gate = threading.Event()
    both_started = threading.Barrier(2, timeout=5)
    ran = []

    def blocker(name):
        both_started.wait()
        gate.wait(5)
        ran.append(name)
    queue.submit('a', blocker, 'a1')
    queue.submit('b', blocker, 'b1')
    # 100 more queued behind 'a' occupy no worker: 'b' still got the second thread.
    for i in range(100):
        queue.submit('a', ran.append, f'a-queued-{i}')
    assert queue.busy('a') and queue.busy('b')
    gate.set()
    deadline = time.monotonic() + 5
    while not queue.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert queue.idle()
    assert [r for r in ran if r.startswith('a-queued')] == [f'a-queued-{i}' for i in range(100)]
    queue.shutdown()


def test_a_failing_operation_does_not_stop_the_queue():
    queue = instance_queue.InstanceWorkQueue(max_workers=1)
    done = threading.Event()

    def boom():
        raise RuntimeError('x')
    queue.submit('a', boom)
    queue.submit('a', done.set)
    assert done.wait(5)
    queue.shutdown()
