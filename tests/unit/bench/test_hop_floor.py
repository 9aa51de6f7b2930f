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
    assert figures == {'reboots': 3, 'p50_ms': 2.8, 'p99_ms': 3.1,
                       'accepted_to_begin_ms': 0.8, 'begin_to_end_ms': 1.7}


def _split(computes, p50):
    return {'computes': computes, 'inflight': 1, 'reboots_per_s': 100.0,
            'latency_ms': {'p50': p50, 'p99': p50 * 2}}


def _table(scenarios):
    return report.table({'scenarios': scenarios, 'targets': report.targets(scenarios)})


def test_the_table_gives_the_floor_and_each_cluster_against_it():
    floor = hop_floor.summary(ENDS)
    lines = _table({'split': [_split(1, 5.6), _split(4, 6.3)], 'floor': floor}).splitlines()
    start = lines.index(hop_floor.line(floor))
    assert lines[start].startswith('floor, 1 in flight (raw kombu + psycopg, no Cepheid '
                                   'code): p50 2.8 ms, p99 3.1 ms over 3 reboots')
    assert lines[start + 1] == ("  Cepheid's 1-in-flight p50 against the floor's: "
                                "1 compute(s) 2.00×, 4 compute(s) 2.25×")


def test_no_floor_line_without_the_floor():
    assert 'floor' not in _table({'split': [_split(1, 5.6)]})


def test_the_1_in_flight_target_is_met_only_when_every_cluster_meets_it():
    one_slow = report.targets({'split': [_split(1, 4.6), _split(4, 6.0)]})
    assert one_slow['split_1_in_flight_p50_ms'] == {'target': '<= 5', 'measured': 6.0,
                                                    'met': False}
    both = report.targets({'split': [_split(1, 4.6), _split(4, 4.9)]})
    assert both['split_1_in_flight_p50_ms']['met'] is True
    assert report.targets({})['split_1_in_flight_p50_ms']['met'] is None
