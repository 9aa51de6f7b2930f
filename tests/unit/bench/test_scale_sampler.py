"""The scale harness's samples: a sample when each phase begins and ends, every line in
the JSON-lines file at once, maxima per phase; the hosts process's threads by kind."""

import json
import os
import threading

import futurist

from bench.scale import hosts as scale_hosts
from bench.scale import sampler as scale_sampler


class Cluster:
    class vhost:
        name = 'cepheid-bench-test'

    @staticmethod
    def host_pids():
        return [os.getpid()]


def test_each_phase_is_sampled_when_it_begins_and_ends(tmp_path, monkeypatch):
    connections = iter(range(100, 200))
    monkeypatch.setattr(scale_sampler, 'vhost_connections', lambda vhost: next(connections))
    path = tmp_path / 'samples.jsonl'
    with scale_sampler.Sampler(Cluster, path, phase='create', interval=60) as sampler:
        sampler.mark('storm')
        sampler.mark('death')
    phases = [s['phase'] for s in sampler.samples]
    assert phases == ['create', 'create', 'storm', 'storm', 'death', 'death']
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == sampler.samples
    storm = sampler.summary('storm')
    assert storm['samples'] == 2
    assert storm['max_broker_connections'] == 103
    assert storm['max_threads_per_hosts_process'] >= 2      # this one and the sampler
    assert storm['load_1min_min'] <= storm['load_1min_max']
    assert sampler.summary('idle')['max_threads_per_hosts_process'] is None


def test_threads_are_counted_by_kind():
    executor = futurist.ThreadPoolExecutor(max_workers=3)
    try:
        for _ in range(5):
            executor.submit(lambda: None).result()
        done = threading.Event()
        thread = threading.Thread(target=done.wait, name='heartbeat-scale7')
        thread.start()
        kinds = scale_hosts.thread_kinds()
        done.set()
        thread.join()
    finally:
        executor.shutdown()
    # one worker per task submitted, up to max_workers: what grew with every message
    assert kinds['rpc executor (futurist)'] == 3
    assert kinds['heartbeat-scale'] == 1
    assert kinds['MainThread'] == 1
