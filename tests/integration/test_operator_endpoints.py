"""/healthcheck and /metrics of real api (2 workers) and compute processes over RabbitMQ
and PostgreSQL: the health check follows a private PostgreSQL going down and up, and the
counters, scraped from whichever worker answers, move by exactly the reboots done."""

import contextlib
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import private_postgres
from tests.fixtures import processes

pytestmark = pytest.mark.integration


def _get(port, path):
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}', timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError as exc:
        return None, str(exc)


def scrape(port):
    status, text = _get(port, '/metrics')
    assert status == 200, text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


@contextlib.contextmanager
def running(tmp_path, **options):
    cluster = cluster_fixture.Cluster(tmp_path, **options)
    try:
        yield cluster.start()
    except Exception:
        cluster.dump_logs()
        raise
    finally:
        cluster.stop()


def test_healthcheck_follows_a_private_postgresql_down_and_up(tmp_path):
    database = private_postgres.PrivatePostgres().start().create_database()
    metrics_port = processes.free_port()
    with running(tmp_path, hosts=['hostA'], database=database,
                 compute_options={'metrics.port': metrics_port}) as cluster:
        assert _get(cluster.port, '/healthcheck') == (200, 'OK')
        assert _get(metrics_port, '/healthcheck') == (200, 'OK')    # the compute: broker
        database.stop()
        processes.wait_until(lambda: _get(cluster.port, '/healthcheck')[0] == 503, 30,
                             '/healthcheck 503', interval=0.1)
        status, body = _get(cluster.port, '/healthcheck')
        assert (status, body.split(':')[0]) == (503, 'database')
        assert _get(metrics_port, '/healthcheck') == (200, 'OK')    # no database there
        database.start()
        processes.wait_until(lambda: _get(cluster.port, '/healthcheck') == (200, 'OK'), 60,
                             '/healthcheck 200 again', interval=0.1)


def test_metrics_of_two_api_workers_count_exactly_the_reboots(tmp_path):
    metrics_port = processes.free_port()
    with running(tmp_path, hosts=['hostA'], api_options={'api.workers': 2},
                 compute_options={'metrics.port': metrics_port}) as cluster:
        server_id = cluster.create_on('hostA', 'metered')
        before, compute_before = scrape(cluster.port), scrape(metrics_port)
        for reboot_type in ('SOFT', 'HARD', 'SOFT', 'HARD'):
            assert cluster.reboot(server_id, reboot_type)[0] == 202
            cluster.wait_idle(server_id)
        finished = ('cepheid_action_events_total',
                    {'event': 'compute_reboot_instance', 'result': 'Success'})

        def moved(samples, name, **labels):
            return value(samples, name, **labels) - value(before, name, **labels)
        processes.wait_until(lambda: moved(scrape(cluster.port), finished[0],
                                           **finished[1]) >= 4, 30, '4 events finished')
        for _ in range(6):     # each scrape answered by either worker, all agree
            after = scrape(cluster.port)
            assert moved(after, finished[0], **finished[1]) == 4
            for reboot_type in ('SOFT', 'HARD'):
                assert moved(after, 'cepheid_server_actions_total', action='reboot',
                             type=reboot_type, result='202') == 2
            assert moved(after, 'cepheid_action_duration_seconds_count',
                         event='compute_reboot_instance') == 4
        compute_after = scrape(metrics_port)
        for state in ('reboot_pending', 'reboot_started', 'reboot_pending_hard',
                      'reboot_started_hard'):
            name = 'cepheid_task_state_duration_seconds_count'
            assert (value(compute_after, name, task_state=state)
                    - value(compute_before, name, task_state=state)) == 2, state
        assert value(compute_after, 'cepheid_compute_queue_depth', host='hostA') == 0
