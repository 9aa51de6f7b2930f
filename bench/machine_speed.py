"""The machine's speed right now: a fixed piece of pure-Python work, timed in CPU time.

A shared machine's cores may run faster or slower from one hour to the next (another
tenant's load, frequency). So each measured run records ``unit_ms()`` before and after it:
the CPU time, in ms, of the same work (JSON round trips, a sort, string formatting: what the
services do most), the fastest of a few tries; lower is faster. Two figures taken minutes
apart are comparable as far as the cores go when their units agree; when the units agree
and the figures do not, the spread is the system's own. Timed in this process's CPU time,
so other processes taking turns on the cores do not count.

Taken before and after, the unit misses what happens meanwhile: on these virtual machines
the cores' speed changes within minutes, and more so while a run keeps them busy (a core
alone took 26-28 ms while its sibling CPU ran a busy loop at 27-46 ms, from one minute to
the next). ``DuringRun`` samples it throughout a run.
"""

import json
import select
import subprocess
import sys
import time

_DOC = {'uuid': '0' * 36, 'task_state': None, 'vm_state': 'active', 'host': 'compute-1',
        'numbers': list(range(50)), 'nested': {'power_state': 1, 'ratio': 1.5}}
ROUNDS = 3000


def _once():
    start = time.process_time()
    for _ in range(ROUNDS):
        json.loads(json.dumps(_DOC))
        sorted(_DOC['numbers'], reverse=True)
        '%s:%d' % (_DOC['host'], _DOC['nested']['power_state'])
    return (time.process_time() - start) * 1000.0


def unit_ms(tries=5):
    """CPU ms of the fixed work, the fastest of ``tries``."""
    return round(min(_once() for _ in range(tries)), 2)


class DuringRun:
    """The unit sampled while a run goes: every ``interval`` seconds in a process of its
    own (~4 % of a CPU), timed in its CPU time, so the run's processes taking turns
    on the cores do not count; what slows the cores themselves does (another tenant on the
    host's sibling threads, caches shared with the run). ``stop()``: the median, or None."""

    def __init__(self, interval=2.0):
        self._proc = subprocess.Popen([sys.executable, __file__, str(interval)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)

    def stop(self):
        tries = sorted(float(v) for v in self._proc.communicate(timeout=60)[0].split())
        return tries[len(tries) // 2] if tries else None


def _sample(interval):
    """DuringRun's process: a unit (the fastest of a few tries back to back: a core just
    woken from idle runs slow), then wait ``interval`` s, until stdin closes."""
    while True:
        print(unit_ms(tries=3), flush=True)
        if select.select([sys.stdin], [], [], interval)[0] and not sys.stdin.readline():
            return


def adjusted_ratio(ratio, unit_reference, unit_now):
    """``ratio`` (a figure now over a reference figure) as if the machine had run at the
    reference's speed now: a slower machine now (a larger unit) scales it up. None when a
    unit is missing."""
    if not ratio or not unit_reference or not unit_now:
        return None
    return round(ratio * unit_now / unit_reference, 2)


if __name__ == '__main__':
    _sample(float(sys.argv[1]))
