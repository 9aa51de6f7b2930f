"""A multi-compute cluster's 1-in-flight run is followed by reboots of one host's servers
only: the run lists that host's servers through the api's admin filter, and the table
prints both medians and what the computes' taking turns cost."""

from bench import load
from bench import report
from bench import split


class _Client:
    def __init__(self, status, servers):
        self.status, self.servers, self.paths = status, servers, []

    def request(self, method, path, body=None):
        self.paths.append((method, path))
        return self.status, 'req-1', {'servers': [{'id': s} for s in self.servers]}


class _Cluster:
    tracker = object()

    def __init__(self, client):
        self.client = client

    def post_reboot(self, server_id):
        raise AssertionError('load.closed_loop is replaced in these tests')


def _loop(calls, capped=False):
    def closed_loop(post, servers, tracker, *, inflight, count, max_seconds):
        calls.append({'servers': list(servers), 'inflight': inflight, 'count': count,
                      'max_seconds': max_seconds})
        return {'accept_to_done': [0.004, 0.005, 0.006], 'post': [0.002] * 3, 'errors': 0,
                'timeouts': 0, 'failed': 0, 'post_cpu': 0.001, 'first': 10.0,
                'last': 10.5, 'requested': count, 'max_seconds': max_seconds,
                'capped': capped}
    return closed_loop


def test_it_reboots_only_the_servers_the_api_lists_on_that_host(monkeypatch):
    calls = []
    monkeypatch.setattr(load, 'closed_loop', _loop(calls))
    client = _Client(200, ['a', 'b'])
    result = split._one_host_run(_Cluster(client), 'bench1', reboots=3, max_seconds=60)
    assert client.paths == [('GET', '/servers?all_tenants=1&host=bench1&limit=1000')]
    assert calls == [{'servers': ['a', 'b'], 'inflight': 1, 'count': 3, 'max_seconds': 60}]
    assert result['host'] == 'bench1' and result['servers'] == 2
    assert (result['reboots'], result['requested'], result['complete']) == (3, 3, True)
    assert result['latency_ms']['p50'] == 5.0
    assert 'note' not in result


def test_a_run_the_time_cap_stopped_says_so(monkeypatch):
    monkeypatch.setattr(load, 'closed_loop', _loop([], capped=True))
    result = split._one_host_run(_Cluster(_Client(200, ['a', 'b'])), 'bench1', reboots=10,
                                 max_seconds=1.5)
    assert (result['reboots'], result['requested'], result['complete']) == (3, 10, False)
    assert result['note'] == 'stopped by the 1.5 s time cap at 3 of 10 reboots'
    run = {'computes': 4, 'inflight': 1, 'latency_ms': {'p50': 6.1}, 'one_host': result}
    assert [line for line in _table(run) if 'only bench1' in line] == [
        "    only bench1's 2 servers, 3 reboots: p50 5.00 ms (+1.10 ms for the computes "
        "taking turns; partial: stopped by the 1.5 s time cap at 3 of 10 reboots)"]


def test_no_run_when_the_host_has_no_servers_or_the_list_fails(monkeypatch):
    calls = []
    monkeypatch.setattr(load, 'closed_loop', _loop(calls))
    assert split._one_host_run(_Cluster(_Client(200, [])), 'bench1', reboots=3,
                               max_seconds=60) is None
    assert split._one_host_run(_Cluster(_Client(403, ['a'])), 'bench1', reboots=3,
                               max_seconds=60) is None
    assert calls == []


def _table(run):
    return report.table({'scenarios': {'split': [run]}, 'targets': {}}).splitlines()


def test_the_table_gives_both_medians_and_the_cost_of_the_turns():
    run = {'computes': 4, 'inflight': 1, 'latency_ms': {'p50': 6.1},
           'one_host': {'host': 'bench1', 'servers': 250, 'reboots': 1000,
                        'latency_ms': {'p50': 4.8}}}
    lines = [line for line in _table(run) if 'only bench1' in line]
    assert lines == ["    only bench1's 250 servers, 1000 reboots: p50 4.80 ms "
                     "(+1.30 ms for the computes taking turns)"]


def test_no_line_without_the_one_host_run():
    run = {'computes': 1, 'inflight': 1, 'latency_ms': {'p50': 4.8}}
    assert not [line for line in _table(run) if 'only ' in line]
