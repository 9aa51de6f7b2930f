"""Scenario 3's sweep: reboot POSTs at rising fixed rates, and the highest one sustained.

At each offered rate (ascending) the split cluster gets ``seconds`` of open-loop reboot
POSTs (``load.open_loop``); a rate is *sustained* when every POST was accepted (202), the
achieved rate kept up with the offered one (≥ 95 %), and the p99 latency counted from each
request's scheduled send time stayed within the bound (50 ms by default): a client that
falls behind its schedule shows up as latency, not as a lower offered rate. The sweep
stops at the first rate that is not sustained (higher ones only queue more), and between
rates it waits for the accepted reboots to end (``drain``: the CPU the computes and the
api's conductor still spend on one rate's reboots would otherwise be charged to the next
rate's POSTs). ``sustained_rate`` is the highest rate of an unbroken run of sustained ones
from the lowest, or None.
"""

from bench import load

#: Up to where the split api stops keeping up (about 300 req/s on 2 shared cores,
#: 2026-12-06): the sweep ends at the first rate it does not sustain.
DEFAULT_RATES = (10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 250, 300, 350, 400, 500, 600)
P99_BOUND_MS = 50.0
KEEP_UP = 0.95


def parse_rates(text):
    """``'10,20,40'`` → (10, 20, 40), ascending; ValueError for anything else."""
    rates = tuple(sorted({float(part) for part in text.split(',') if part.strip()}))
    if not rates or rates[0] <= 0:
        raise ValueError(f'rates must be positive numbers: {text!r}')
    return tuple(int(r) if r.is_integer() else r for r in rates)


def sustained(run, rate, p99_ms):
    """Whether one open-loop ``run`` at ``rate`` kept every POST accepted, the achieved rate
    within ``KEEP_UP`` of the offered one and its p99 from schedule within ``p99_ms``."""
    p99 = run['post_latency_from_schedule_ms']['p99']
    accepted = set(run['status_counts']) <= {'202'}
    return (accepted and p99 is not None and p99 <= p99_ms
            and run['achieved_rate'] >= KEEP_UP * rate)


def sweep(post, servers, *, rates=DEFAULT_RATES, seconds=5.0, p99_ms=P99_BOUND_MS,
          drain=None, log=print):
    """Run the rates in ascending order; returns the steps and the sustained rate.

    ``drain(request_ids)`` (optional) blocks until those accepted reboots ended and returns
    how many did; it runs after each sustained rate, before the next.
    """
    steps, best = [], None
    for rate in sorted(rates):
        accepted = []
        run = load.open_loop(post, servers, rate=rate, seconds=seconds, accepted=accepted)
        ok = sustained(run, rate, p99_ms)
        steps.append({
            'offered_rate': rate, 'achieved_rate': run['achieved_rate'],
            'status_counts': run['status_counts'], 'sustained': ok,
            'p50_ms': run['post_latency_from_schedule_ms']['p50'],
            'p99_ms': run['post_latency_from_schedule_ms']['p99'],
            'p99_from_send_ms': run['post_latency_ms']['p99'],
        })
        log(f'  sweep {rate} req/s: achieved {run["achieved_rate"]}, p99 '
            f'{steps[-1]["p99_ms"]} ms ({"sustained" if ok else "not sustained"})')
        if not ok:
            break
        best = rate
        if drain is not None:
            steps[-1]['ended_before_next_rate'] = drain(accepted)
    return {'p99_bound_ms': p99_ms, 'seconds_per_rate': seconds, 'steps': steps,
            'sustained_rate': best}


def summary_line(result):
    """The table's line for a sweep."""
    steps = ', '.join(f'{s["offered_rate"]}: {s["p99_ms"]}' for s in result['steps'])
    best = result['sustained_rate']
    head = (f'up to {best} req/s' if best is not None
            else f'not even {result["steps"][0]["offered_rate"]} req/s')
    return (f'3 API sweep: p99 (from schedule) ≤ {result["p99_bound_ms"]:g} ms sustained '
            f'{head} ({result["seconds_per_rate"]:g} s a rate; p99 ms by rate: {steps})')
