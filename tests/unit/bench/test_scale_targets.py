"""The scale run's target lines: idle costs per 1,000 hosts, death, the storm and its rate."""

import json

import pytest

from bench.scale import report


def _run(hosts, *, api, broker, db, rate, lost=0, duplicated=0, down=None):
    run = {'hosts': hosts,
           'idle': {'cpu_cores': {'api': api, 'broker': broker, 'db': db, 'hosts': 0.1}},
           'broker': {'connections': hosts},
           'storm': {'reboots': hosts * 10, 'reboots_per_s': rate, 'lost': lost,
                     'duplicated': duplicated}}
    run['idle']['db_per_s'] = {'xact_commit': 1.0}
    if down is not None:
        run['death'] = {'seconds_to_down': down}
    return run


def _doc(*runs):
    doc = {'runs': list(runs)}
    doc['per_1000_hosts'] = report.per_thousand(doc['runs'])
    return doc


def test_each_target_met_or_not_from_the_figures():
    doc = _doc(_run(4, api=0.001, broker=0.001, db=0.001, rate=40.0),
               _run(1000, api=0.04, broker=0.09, db=0.02, rate=31.0, down=55.5))
    lines = report.targets(doc, service_down_time=60)
    big = [line for line in lines if line.startswith('target (1000 hosts)')]
    assert big == [
        'target (1000 hosts) idle api <= 0.05 cores per 1,000 hosts: 0.04 (met)',
        'target (1000 hosts) idle broker + db <= 0.1 cores per 1,000 hosts: 0.11 (NOT met)',
        'target (1000 hosts) dead host down <= 120 s: 55.5 (met)',
        'target (1000 hosts) storm of 10000: lost 0, duplicated 0 (met)',
        'target (1000 hosts) storm rate >= 0.8x the 4-host run (40.0/s): 31.0/s = 0.78x '
        '(NOT met)',
    ]
    # the baseline run itself gets no rate line
    assert not any('rate >=' in line for line in lines if line.startswith('target (4 hosts)'))


def test_a_baseline_from_another_runs_json(tmp_path):
    path = tmp_path / 'scale-4.json'
    path.write_text(json.dumps(_doc(_run(4, api=0, broker=0, db=0, rate=36.1))))
    baseline = report.baseline_of(path)
    assert baseline == ('4-host run', 36.1, None, None)
    lines = report.targets(_doc(_run(1000, api=0.04, broker=0.07, db=0.01, rate=30.0,
                                     duplicated=1)),
                           service_down_time=60, baseline=baseline)
    assert 'storm of 10000: lost 0, duplicated 1 (NOT met)' in lines[2]
    assert lines[3].endswith('30.0/s = 0.83x (met)')


def test_a_baseline_from_the_speed_benchs_split_run(tmp_path):
    path = tmp_path / 'speed.json'
    split = [{'computes': c, 'inflight': f, 'reboots_per_s': rate}
             for c, f, rate in ((1, 1, 20.0), (1, 50, 30.0), (4, 1, 22.0), (4, 50, 45.8))]
    path.write_text(json.dumps({'scenarios': {'split': split}}))
    baseline = report.baseline_of(path)
    assert baseline == ('speed bench, 4 computes, 50 in flight', 45.8, None, None)
    lines = report.targets(_doc(_run(1000, api=0.04, broker=0.07, db=0.01, rate=30.5)),
                           service_down_time=60, baseline=baseline)
    assert lines[-1] == ('target (1000 hosts) storm rate >= 0.8x the speed bench, 4 '
                         'computes, 50 in flight (45.8/s): 30.5/s = 0.67x (NOT met)')


def test_the_ratio_at_the_baselines_machine_speed_is_shown_beside_the_verdict(tmp_path):
    path = tmp_path / 'speed.json'
    split = [{'computes': 4, 'inflight': 50, 'reboots_per_s': 180.0,
              'noise': {'speed_unit_ms_before': 25.0, 'speed_unit_ms_after': 27.0,
                        'steal_percent': 1.5}}]
    path.write_text(json.dumps({'scenarios': {'split': split}}))
    baseline = report.baseline_of(path)
    assert baseline == ('speed bench, 4 computes, 50 in flight', 180.0, 26.0, 1.5)
    run = _run(1000, api=0.04, broker=0.07, db=0.01, rate=117.0)
    run['storm']['speed_unit_ms'] = [33.0, 32.0]          # the machine ran slower
    run['storm']['steal_percent'] = 18.2                  # and the hypervisor took more
    lines = report.targets(_doc(run), service_down_time=60, baseline=baseline)
    assert lines[-3].endswith('117.0/s = 0.65x (NOT met)')   # the verdict: as measured
    assert lines[-2] == ("  machine speed unit 26.0 ms at the baseline, 32.5 ms around "
                         "the storm: 0.81x at the baseline's speed")
    assert lines[-1] == '  steal 1.5 % during the baseline, 18.2 % during the storm'


def test_the_speed_unit_during_a_run_is_preferred_to_before_and_after():
    storm = {'storm': {'speed_unit_ms': [26.0, 28.0], 'speed_unit_ms_during': 39.0}}
    assert report.speed_unit(storm) == 39.0
    assert report.speed_unit({'storm': {'speed_unit_ms': [26.0, 28.0]}}) == 27.0
    bench_run = {'noise': {'speed_unit_ms_before': 26.0, 'speed_unit_ms_after': 28.0,
                           'speed_unit_ms_during': 33.0}}
    assert report.speed_unit(bench_run) == 33.0


def test_machine_speed_unit_is_a_positive_cpu_time_and_scales_ratios():
    from bench import machine_speed
    assert machine_speed.unit_ms(tries=1) > 0
    assert machine_speed.adjusted_ratio(0.5, 20.0, 30.0) == 0.75
    assert machine_speed.adjusted_ratio(0.5, None, 30.0) is None


def test_a_json_with_neither_is_refused(tmp_path):
    path = tmp_path / 'other.json'
    path.write_text(json.dumps({'scenarios': {'inprocess': {}}}))
    with pytest.raises(ValueError, match='no split scenario'):
        report.baseline_of(path)


def test_api_settings_name_their_group_or_default():
    from bench.scale import options
    assert options.api_settings(['api.steps_consumer_threads=2', 'watchdog_interval=7']) == [
        ('api', 'steps_consumer_threads', '2'), ('DEFAULT', 'watchdog_interval', '7')]
    with pytest.raises(SystemExit, match='GROUP.NAME=VALUE'):
        options.api_settings(['api.threads'])
