"""The machine's speed right now: a fixed piece of pure-Python work, timed in CPU time.

A shared machine's speed drifts (another tenant's load on the same cores, frequency): on
2026-12-04 the same split run gave 139.6 and then 182.4 reboots/s half an hour apart. A
figure taken minutes before another is only comparable with it when the machine ran at the
same speed, so each measured run records ``unit_ms()`` before and after it: the CPU time,
in ms, of the same work (JSON round trips, a sort, string formatting: what the services do
most), the fastest of a few tries. Lower is faster. Timed in this process's CPU time, so
other processes taking turns on the cores do not count; what does is how fast a core runs
Python code now.
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
