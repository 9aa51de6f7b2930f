"""Over RabbitMQ: the step casts of many computes waiting in ``cepheid-api-steps`` when a
consumer thread starts reach it together (its prefetch) and share transactions — every
step applied once, the queue drained and acked (one ack a gathered batch), fewer commits
than messages — and a call sent afterwards, alone, is answered as before."""

import time

import kombu
import pytest

from cepheid.api import conf as api_conf
from cepheid.api import kombu_consumer
from cepheid.api import steps_consumer
from cepheid.api.db import core_session
from cepheid.common import config
from cepheid.common import rpc
from cepheid.common import states
from tests.fixtures import local_stack
from tests.fixtures import processes
from tests.fixtures import rabbit_queues

pytestmark = pytest.mark.integration

STEPS = 20


@pytest.fixture
def vhost():
    vhost = processes.RabbitVhost()
    yield vhost
    vhost.delete()


def _conf(url):
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', url)
    return conf


def _declare(conf):
    with kombu.Connection(kombu_consumer.broker_urls(conf)) as conn:
        kombu_consumer.topic_queue(conf, steps_consumer.TOPIC)(conn.default_channel).declare()


def test_steps_waiting_in_the_queue_share_transactions_and_a_call_is_answered(vhost):
    stack = local_stack.LocalStack()
    hosts = [f'host-{i}' for i in range(STEPS)]
    instances = [stack.make_instance(host=host, task_state=states.REBOOT_PENDING)
                 for host in hosts]
    conf = _conf(vhost.url)
    _declare(conf)
    transport = rpc.get_rpc_transport(conf)
    client = rpc.get_client(transport, steps_consumer.TOPIC, version='1.0', timeout=15)
    commits = []
    stack.db.on_commit(lambda session: commits.append(1)
                       if isinstance(session, core_session.CoreSession) else None)
    consumer = steps_consumer.StepsConsumer(conf, stack.conductor.endpoint, threads=1)
    try:
        for host, instance in zip(hosts, instances, strict=True):
            client.cast(stack.context('reboot', instance['uuid']), 'task_advance', host=host,
                        instance_uuid=instance['uuid'],
                        values={'task_state': states.REBOOT_STARTED},
                        expected_task_state=[states.REBOOT_PENDING])
        processes.wait_until(lambda: rabbit_queues.queues(vhost.name)
                             [steps_consumer.TOPIC][1] == STEPS, 10, 'the casts queued')
        consumer.start()
        processes.wait_until(lambda: consumer.handled == STEPS, 30, 'every step handled')
        assert {stack.get(i['uuid'])['task_state'] for i in instances} == {
            states.REBOOT_STARTED}
        assert consumer.gathered >= STEPS // 2
        assert len(commits) < STEPS
        print(f'{STEPS} casts: {len(commits)} commits, {consumer.gathered} gathered')

        # Alone on an idle queue: run at once, answered as before.
        instance = stack.make_instance(host='host-call', task_state=states.REBOOTING)
        started = time.monotonic()
        reply = client.call(stack.context('reboot', instance['uuid']), 'begin',
                            host='host-call', instance_uuid=instance['uuid'],
                            event='compute_reboot_instance',
                            values={'task_state': states.REBOOT_PENDING},
                            expected_task_state=[states.REBOOTING])
        assert time.monotonic() - started < 5
        assert reply['instance']['task_state'] == states.REBOOT_PENDING
        processes.wait_until(lambda: rabbit_queues.queues(vhost.name)
                             [steps_consumer.TOPIC][1] == 0, 10,
                             'nothing left ready or unacked')
    finally:
        consumer.stop()
        transport.cleanup()
