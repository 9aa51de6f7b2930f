"""An operation's work done while it waits for the api (compute/while_waiting.py): run
once, in the operation's thread, by the first wait inside the block, else as it ends."""

import threading

import pytest

from cepheid.compute import while_waiting


def test_work_nobody_ran_runs_as_the_block_ends():
    done = []
    with while_waiting.meanwhile(lambda: done.append('logged')):
        assert done == []
    assert done == ['logged']


def test_work_run_while_waiting_does_not_run_again():
    done = []
    with while_waiting.meanwhile(lambda: done.append('logged')):
        while_waiting.run()
        while_waiting.run()            # a second wait in the same block: nothing
        assert done == ['logged']
    assert done == ['logged']
    while_waiting.run()                # outside any block: nothing
    assert done == ['logged']


def test_work_runs_when_the_block_raises():
    done = []
    with pytest.raises(RuntimeError), while_waiting.meanwhile(lambda: done.append('x')):
        raise RuntimeError('the begin was refused')
    assert done == ['x']


def test_another_threads_wait_does_not_run_this_threads_work():
    done = []
    with while_waiting.meanwhile(lambda: done.append(threading.current_thread().name)):
        other = threading.Thread(target=while_waiting.run, name='other')
        other.start()
        other.join()
        assert done == []
    assert done == [threading.current_thread().name]


def test_an_inner_block_keeps_the_outer_work():
    done = []
    with while_waiting.meanwhile(lambda: done.append('outer')):
        with while_waiting.meanwhile(lambda: done.append('inner')):
            while_waiting.run()
        assert done == ['inner']
    assert done == ['inner', 'outer']
