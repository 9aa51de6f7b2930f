"""The API sweep: rising rates, stopped at the first one not sustained."""

import threading

import pytest

from bench import rate_sweep


def test_parse_rates_sorts_and_refuses_nonsense():
    assert rate_sweep.parse_rates('40,10,20,10') == (10, 20, 40)
    assert rate_sweep.parse_rates('2.5,5') == (2.5, 5)
    for bad in ('', '0,10', 'ten'):
        with pytest.raises(ValueError):
            rate_sweep.parse_rates(bad)


def test_every_rate_sustained_by_a_fast_api():
    lines = []
    result = rate_sweep.sweep(lambda server: (202, None), ['a', 'b'], rates=(20, 10),
                              seconds=0.3, log=lines.append)
    assert [s['offered_rate'] for s in result['steps']] == [10, 20]
    assert all(s['sustained'] for s in result['steps'])
    assert result['sustained_rate'] == 20
    assert len(lines) == 2
    assert 'up to 20 req/s' in rate_sweep.summary_line(result)


def test_the_sweep_stops_at_the_first_rate_with_a_refused_post():
    lock, seen = threading.Lock(), []

    def post(server):
        with lock:
            seen.append(server)
            busy = len(seen) > 3        # the 4th POST onwards: 409, a server still rebooting
        return (409 if busy else 202), None

    result = rate_sweep.sweep(post, ['a'], rates=(10, 20, 40), seconds=0.3,
                              log=lambda line: None)
    assert [s['offered_rate'] for s in result['steps']] == [10, 20]
    assert [s['sustained'] for s in result['steps']] == [True, False]
    assert result['sustained_rate'] == 10


def test_a_slow_api_sustains_nothing():
    def post(server):
        threading.Event().wait(0.08)        # every POST 80 ms: p99 over the 50 ms bound
        return 202, None

    result = rate_sweep.sweep(post, ['a'], rates=(10, 20), seconds=0.3,
                              log=lambda line: None)
    assert result['sustained_rate'] is None
    assert len(result['steps']) == 1
    assert 'not even 10 req/s' in rate_sweep.summary_line(result)


def test_each_sustained_rate_drains_before_the_next():
    ids = iter(range(1000))
    drained = []

    def drain(request_ids):
        drained.append(sorted(request_ids))
        return len(request_ids)

    result = rate_sweep.sweep(lambda server: (202, next(ids)), ['a'], rates=(10, 20),
                              seconds=0.3, drain=drain, log=lambda line: None)
    assert [len(batch) for batch in drained] == [3, 6]
    assert drained[0] + drained[1] == list(range(9))
    assert [s['ended_before_next_rate'] for s in result['steps']] == [3, 6]
