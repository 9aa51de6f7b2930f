"""``[api] workers = 2`` over RabbitMQ: every worker's dashboard streams see every step of a
reboot, whichever worker took the REST request and whichever ran the conductor calls; and
the feed leaves no queue on the broker that keeps the changes for nobody."""


import pytest

from tests.fixtures import cluster as cluster_mod
from tests.fixtures import http
from tests.fixtures import rabbit_queues
from tests.functional.dashboard import sse

pytestmark = pytest.mark.integration

HARD_STEPS = ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', None]
MAX_STREAMS = 40
REBOOTS = 5
# Nova's notification queues, kept for consumers outside the api (as Nova leaves them).
NOTIFICATION_QUEUES = {'versioned_notifications.info', 'versioned_notifications.error'}


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
    """The task states of the server's timeline, in the order of their times, from
    ``rebooting_hard`` on. Each api process sends its own commits to the feed, so a
    change may reach a stream after a newer one (the REST request's ``rebooting_hard``
    after the conductor's ``reboot_pending_hard``): the stream's summary then keeps the
    newest, and its timeline, as the page shows it, has every step in order."""
    entries = sorted((data['entry']['time'], data['entry']['task_state'])
                     for event, data in stream.events
                     if event == 'timeline' and data['uuid'] == uuid
                     and data['entry']['source'] == 'db')
    seen = []
    for _, task_state in entries:
        if (seen or task_state == 'rebooting_hard') and (not seen or seen[-1] != task_state):
            seen.append(task_state)
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


def test_no_queue_keeps_the_changes_for_nobody(cluster):
    server_id = cluster.create_on('hostA', 'vm-q')
    streams = _one_stream_per_worker(f'http://127.0.0.1:{cluster.port}')
    try:
        for _ in range(REBOOTS):
            assert cluster.reboot(server_id, 'HARD')[0] == 202
            cluster.wait_idle(server_id)
        # the other api process still sees every change (the last reboot's steps)
        for stream in streams.values():
            stream.wait_for(lambda evs, s=stream: _steps(s, server_id)[-1:] == [None])
            assert _steps(stream, server_id)[-4:] == HARD_STEPS
    finally:
        for stream in streams.values():
            stream.close()
    queues = rabbit_queues.queues(cluster.vhost.name)
    # each api process's own fanout queue carries the changes, and it is consumed
    fanout = {n: q for n, q in queues.items() if n.startswith('cepheid-api_fanout_')}
    assert len(fanout) == 2 and all(consumers == 1 for consumers, _ in fanout.values())
    # after 1 create and 5 reboots (4 steps each) no queue keeps messages for nobody
    kept = {n for n, (consumers, messages) in queues.items() if not consumers and messages}
    assert kept <= NOTIFICATION_QUEUES, queues
    assert not any(n.startswith('cepheid_dashboard') for n in queues), queues
