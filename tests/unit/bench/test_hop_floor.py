"""The floor under the 1-in-flight latency (bench/hop_floor.py): its figures from the end
notifications its "api" sends, the table's line with each 1-in-flight run's p50 as a
multiple of the floor's, and the 1-in-flight target checked on every cluster."""

from bench import hop_floor
from bench import report


def _end(accepted, begun, ending, done):
    return {'event_type': 'instance.reboot.end', 'accepted': accepted, 'begun': begun,
            'ending': ending, 'done': done}


ENDS = [_end(100.0, 100.0008, 100.0025, 100.0028),
        _end(200.0, 200.0010, 200.0027, 200.0031),
        _end(300.0, 300.0006, 300.0023, 300.0027)]


def test_the_floor_is_accepted_to_done_with_the_medians_of_its_halves():
    figures = hop_floor.summary(ENDS)
    assert figures == {'computes': 1, 'reboots': 3, 'p50_ms': 2.8, 'p99_ms': 3.1,
                       'accepted_to_begin_ms': 0.8, 'begin_to_end_ms': 1.7}
    assert hop_floor.summary(ENDS, computes=4)['computes'] == 4


def test_the_servers_requests_go_to_the_computes_in_turn():
    assert hop_floor._queue_names(2) == ['floor.api', 'floor.notifications',
                                         'floor.compute.0', 'floor.reply.0',
                                         'floor.compute.1', 'floor.reply.1']
    durable = {name: hop_floor._queue(name, hop_floor._exchange()).durable
               for name in hop_floor._queue_names(2)}
    assert [name for name, kept in durable.items() if not kept] == [
        'floor.reply.0', 'floor.reply.1']


def _split(computes, p50):
    return {'computes': computes, 'inflight': 1, 'reboots_per_s': 100.0,
            'latency_ms': {'p50': p50, 'p99': p50 * 2}}


def _table(scenarios):
    return report.table({'scenarios': scenarios, 'targets': report.targets(scenarios)})


def test_the_table_gives_each_floor_its_turns_and_each_cluster_against_its_floor():
    floors = [hop_floor.summary(ENDS), dict(hop_floor.summary(ENDS, computes=4), p50_ms=3.5)]
    lines = _table({'split': [_split(1, 5.6), _split(4, 6.3)], 'floor': floors}).splitlines()
    start = lines.index(hop_floor.line(floors[0]))
    assert lines[start].startswith('floor, 1 in flight, 1 compute(s) (raw kombu + psycopg, '
                                   'no Cepheid code): p50 2.8 ms, p99 3.1 ms over 3 reboots')
    assert lines[start + 1].startswith('floor, 1 in flight, 4 compute(s) (raw kombu')
    assert lines[start + 2] == "  the floor's computes taking turns: 4 computes +0.70 ms"
    assert lines[start + 3] == ("  Cepheid's 1-in-flight p50 against the floor's with as many "
                                "computes: 1 compute(s) 2.00×, 4 compute(s) 1.80×")


def test_an_older_floor_of_one_compute_stands_for_every_cluster():
    old = {k: v for k, v in hop_floor.summary(ENDS).items() if k != 'computes'}
    lines = _table({'split': [_split(1, 5.6), _split(4, 6.3)], 'floor': old}).splitlines()
    assert not any("the floor's computes taking turns" in line for line in lines)
    assert ("  Cepheid's 1-in-flight p50 against the floor's with as many computes: "
            "1 compute(s) 2.00×, 4 compute(s) 2.25×") in lines


def test_a_faster_floor_with_more_computes_shows_its_sign():
    floors = [hop_floor.summary(ENDS), dict(hop_floor.summary(ENDS, computes=4), p50_ms=2.7)]
    lines = report.floor_lines(floors, [])
    assert lines[2] == "  the floor's computes taking turns: 4 computes -0.10 ms"
    assert len(lines) == 3


def test_no_floor_line_without_the_floor():
    assert 'floor' not in _table({'split': [_split(1, 5.6)]})


def test_the_1_in_flight_target_is_met_only_when_every_cluster_meets_it():
    one_slow = report.targets({'split': [_split(1, 4.6), _split(4, 6.0)]})
    assert one_slow['split_1_in_flight_p50_ms'] == {'target': '<= 5', 'measured': 6.0,
                                                    'met': False}
    both = report.targets({'split': [_split(1, 4.6), _split(4, 4.9)]})
    assert both['split_1_in_flight_p50_ms']['met'] is True
    assert report.targets({})['split_1_in_flight_p50_ms']['met'] is None
