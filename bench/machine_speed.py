"""The machine's speed right now: a fixed piece of pure-Python work, timed in CPU time.

A shared machine's cores may run faster or slower from one hour to the next (another
tenant's load, frequency). So each measured run records ``unit_ms()`` before and after it:
the CPU time, in ms, of the same work (JSON round trips, a sort, string formatting: what the
services do most), the fastest of a few tries; lower is faster. Two figures taken minutes
apart are comparable as far as the cores go when their units agree; when the units agree
and the figures do not, the spread is the system's own. Timed in this process's CPU time,
so other processes taking turns on the cores do not count.
"""

import json
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


def adjusted_ratio(ratio, unit_reference, unit_now):
    """``ratio`` (a figure now over a reference figure) as if the machine had run at the
    reference's speed now: a slower machine now (a larger unit) scales it up. None when a
    unit is missing."""
    if not ratio or not unit_reference or not unit_now:
        return None
    return round(ratio * unit_now / unit_reference, 2)
