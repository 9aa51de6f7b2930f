"""``[api] workers = 2`` over RabbitMQ: every worker's dashboard streams see every step of a
reboot, whichever worker took the REST request and whichever ran the conductor calls."""

import pytest

from tests.fixtures import cluster as cluster_mod
from tests.fixtures import http
from tests.functional.dashboard import sse

pytestmark = pytest.mark.integration

HARD_STEPS = ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', None]
MAX_STREAMS = 40


@pytest.fixture
def cluster(tmp_path):
    running = cluster_mod.Cluster(tmp_path, hosts=('hostA',),
                                  api_options={'api.workers': 2},
                                  compute_options={'fake_driver.reboot_delay': 0.3})
    try:
        yield running.start()
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


def _one_stream_per_worker(base):
    """Open streams until both workers serve one; close the rest."""
    by_worker, extra = {}, []
    for _ in range(MAX_STREAMS):
        stream = sse.EventStream(base, http.ADMIN)
        worker = stream.worker()
        (extra if worker in by_worker else []).append(stream)
        by_worker.setdefault(worker, stream)
        if len(by_worker) == 2:
            break
    for stream in extra:
        stream.close()
    assert len(by_worker) == 2, 'all streams landed on one worker'
    return by_worker


def _steps(stream, uuid):
    seen = []
    for event, data in stream.events:
        if event == 'instance' and data['uuid'] == uuid and (
                seen or data['task_state'] == 'rebooting_hard'):
            if not seen or seen[-1] != data['task_state']:
                seen.append(data['task_state'])
    return seen


def test_both_workers_streams_see_every_step(cluster):
    server_id = cluster.create_on('hostA', 'vm-w')
    base = f'http://127.0.0.1:{cluster.port}'
    streams = _one_stream_per_worker(base)
    try:
        assert cluster.reboot(server_id, 'HARD')[0] == 202
        for stream in streams.values():
            stream.wait_for(lambda evs, s=stream: _steps(s, server_id)[-1:] == [None])
            assert _steps(stream, server_id) == HARD_STEPS
            stream.wait_for(lambda evs: any(
                e == 'timeline' and d['entry']['what'] == 'instance.reboot.end'
                for e, d in evs))
    finally:
        for stream in streams.values():
            stream.close()
