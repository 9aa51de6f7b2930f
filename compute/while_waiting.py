"""Work an operation's thread does while it waits for the api's answer to a step.

At one operation in flight every step of a reboot runs on a cold core, and what runs
between the api's answer and the driver is latency: writing the "Rebooting instance" log
line costs a few hundred microseconds of CPU there (oslo.log's formatting and the
write). Nova logs it before its first save. Here the operation hands it over with
``meanwhile(work)`` around its ``begin``: the lean caller (compute/step_caller.py) runs
it once the request is published, while the api applies it; if the call went another
way (oslo.messaging, or in a batch another thread sent) it runs when the block ends.
Either way it runs once, in the operation's own thread, before the driver is called.
"""

import contextlib
import threading

_local = threading.local()


@contextlib.contextmanager
def meanwhile(work):
    """Run ``work()`` (no arguments) once in this thread: while it waits for an answer
    inside the block (``run``), else as the block ends (whether it raised or not)."""
    outer = getattr(_local, 'work', None)
    _local.work = work
    try:
        yield
    finally:
        run()
        _local.work = outer


def run():
    """Run this thread's pending ``meanwhile`` work, if any (once)."""
    work = getattr(_local, 'work', None)
    if work is not None:
        _local.work = None
        work()
