"""Every notification Cepheid emits, received over the real RabbitMQ by a consumer set up as
one written for Nova (exchange ``nova``), compared with Nova's sample of the same event type.

One cluster (cepheid-api + one cepheid-compute as processes) with ``binary_prefix = nova``,
``control_exchange = nova`` and ``notification_format = both``; the consumer is bound before
anything is done; every action goes through REST; ``[fake_driver] fail_instance_names``
makes the ``.error`` cases fail for real in the compute process.
"""

import json
import urllib.request

import pytest

from tests.fixtures import cluster as cluster_fixture
from tests.fixtures import http
from tests.fixtures import nova_consumer
from tests.fixtures import nova_samples
from tests.fixtures import processes

pytestmark = pytest.mark.integration

CORPUS = nova_samples.Corpus()
HOST = 'hostA'
# server name -> the driver operation that fails for it
FAILING = {'err-create': 'spawn', 'err-reboot': 'reboot', 'err-power_off': 'power_off',
           'err-power_on': 'power_on', 'err-pause': 'pause', 'err-unpause': 'unpause',
           'err-suspend': 'suspend', 'err-resume': 'resume'}
# REST action -> (body, status the server reaches)
ACTIONS = {'reboot': ({'reboot': {'type': 'HARD'}}, 'ACTIVE'),
           'lock': ({'lock': None}, None), 'unlock': ({'unlock': None}, None),
           'power_off': ({'os-stop': None}, 'SHUTOFF'),
           'power_on': ({'os-start': None}, 'ACTIVE'),
           'pause': ({'pause': None}, 'PAUSED'), 'unpause': ({'unpause': None}, 'ACTIVE'),
           'suspend': ({'suspend': None}, 'SUSPENDED'),
           'resume': ({'resume': None}, 'ACTIVE')}
# the happy path of one server, in order (create first, delete last)
MAIN_STEPS = ['reboot', 'lock', 'unlock', 'power_off', 'power_on', 'pause', 'unpause',
              'suspend', 'resume']
# error server -> the actions that bring it where its failing one runs, then that one
ERROR_STEPS = {'err-reboot': ['reboot'], 'err-power_off': ['power_off'],
               'err-power_on': ['power_off', 'power_on'], 'err-pause': ['pause'],
               'err-unpause': ['pause', 'unpause'], 'err-suspend': ['suspend'],
               'err-resume': ['suspend', 'resume']}

VERSIONED = (
    [('instance.create.start', 'main', 'create'), ('instance.create.end', 'main', 'create')]
    + [(f'instance.{a}', 'main', a) for a in ('lock', 'unlock')]
    + [(f'instance.{a}.{p}', 'main', a) for a in MAIN_STEPS if a not in ('lock', 'unlock')
       for p in ('start', 'end')]
    + [('instance.delete.start', 'main', 'delete'), ('instance.delete.end', 'main', 'delete'),
       ('instance.create.error', 'err-create', 'create')]
    + [(f'instance.{name[4:]}.error', name, name[4:]) for name in ERROR_STEPS])
LEGACY = [(f'compute.{event}', server, step) for event, server, step in VERSIONED
          if event not in ('instance.lock', 'instance.unlock')]


class Rest:
    """REST calls that also return the response's ``x-openstack-request-id``."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def call(self, method, path, body=None):
        req = urllib.request.Request(
            self.endpoint + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={'X-Auth-Token': http.MEMBER, 'Content-Type': 'application/json',
                     'OpenStack-API-Version': 'compute 2.90'})
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return (resp.status, json.loads(raw) if raw else None,
                    resp.headers['x-openstack-request-id'])

    def server(self, server_id):
        return self.call('GET', f'/servers/{server_id}')[1]['server']

    def wait(self, server_id, status):
        def reached():
            server = self.server(server_id)
            return server['status'] == status and server['OS-EXT-STS:task_state'] is None
        processes.wait_until(reached, 30, f'{server_id} {status}')

    def create(self, name):
        status, body, request_id = self.call(
            'POST', '/servers', {'server': {'name': name, 'flavorRef': '1'}})
        assert status == 202, body
        return body['server']['id'], request_id

    def act(self, server_id, action):
        body, _ = ACTIONS[action]
        status, reply, request_id = self.call('POST', f'/servers/{server_id}/action', body)
        assert status == 202, reply
        return request_id


@pytest.fixture(scope='module')
def nova_cluster(tmp_path_factory):
    running = cluster_fixture.Cluster(
        tmp_path_factory.mktemp('nova-conformance'), hosts=(HOST,),
        # Nova's messaging settings: its exchange, oslo.messaging's non-durable default.
        common_options={'binary_prefix': 'nova', 'control_exchange': 'nova',
                        'oslo_messaging_rabbit.amqp_durable_queues': False},
        compute_options={
            'notifications.notification_format': 'both',
            'fake_driver.fail_instance_names': ','.join(
                f'{name}:{op}' for name, op in FAILING.items())})
    try:
        running.start()
        yield running
    except Exception:
        running.dump_logs()
        raise
    finally:
        running.stop()


@pytest.fixture(scope='module')
def consumer(nova_cluster):
    listening = nova_consumer.NovaConsumer(nova_cluster.transport_url).start()
    yield listening
    listening.stop()


@pytest.fixture(scope='module')
def requests_made(nova_cluster, consumer):
    """Drive every action through REST (consumer already bound): {(server, step): (uuid,
    request id of the REST call)}."""
    rest = Rest(nova_cluster.client.endpoint)
    made = {}
    uuid, request_id = rest.create('main')
    made[('main', 'create')] = (uuid, request_id)
    rest.wait(uuid, 'ACTIVE')
    for step in MAIN_STEPS:
        made[('main', step)] = (uuid, rest.act(uuid, step))
        consumer.wait_for(_last_event(step), uuid)
        if ACTIONS[step][1]:
            rest.wait(uuid, ACTIONS[step][1])
    status, _, request_id = rest.call('DELETE', f'/servers/{uuid}')
    assert status == 204
    made[('main', 'delete')] = (uuid, request_id)
    made[('err-create', 'create')] = rest.create('err-create')
    for name, steps in ERROR_STEPS.items():
        uuid, _ = rest.create(name)
        rest.wait(uuid, 'ACTIVE')
        for step in steps[:-1]:
            rest.act(uuid, step)
            rest.wait(uuid, ACTIONS[step][1])
        made[(name, steps[-1])] = (uuid, rest.act(uuid, steps[-1]))
    return made


def _last_event(step):
    return f'instance.{step}' if step in ('lock', 'unlock') else f'instance.{step}.end'


@pytest.mark.parametrize('event_type,server,step', VERSIONED, ids=[v[0] for v in VERSIONED])
def test_versioned_notification_matches_novas_sample(consumer, requests_made, event_type,
                                                     server, step):
    uuid, request_id = requests_made[(server, step)]
    message = consumer.wait_for(event_type, uuid)
    assert CORPUS.compare(message, binary_prefix='nova') == []
    assert nova_samples.compare_context(message['context']) == []
    data = message['payload']['nova_object.data']
    assert data['request_id'] == request_id
    assert data['reservation_id'].startswith('r-')
    if event_type.endswith('.error'):
        assert data['fault']['nova_object.data']['exception'] == 'VirtDriverError'
        assert data['task_state'] is not None or step == 'create'
    if event_type == 'instance.reboot.error':
        assert data['task_state'] == 'reboot_started_hard'
    if event_type == 'instance.delete.end':
        assert data['deleted_at'] and data['terminated_at']


@pytest.mark.parametrize('event_type,server,step', LEGACY, ids=[v[0] for v in LEGACY])
def test_legacy_notification_has_novas_keys(consumer, requests_made, event_type, server,
                                            step):
    uuid, _ = requests_made[(server, step)]
    message = consumer.wait_for(event_type, uuid)
    assert nova_samples.compare_legacy(message) == []
    assert message['publisher_id'] == f'compute.{HOST}'
    assert message['payload']['reservation_id'].startswith('r-')


def test_os_services_and_logs_use_novas_binary_names(nova_cluster, consumer):
    status, body = nova_cluster.client.get('/os-services?binary=nova-compute',
                                           token=http.ADMIN)
    assert status == 200, body
    assert [(s['binary'], s['host'], s['state']) for s in body['services']] == [
        ('nova-compute', HOST, 'up')]
    compute_log = nova_cluster.computes[HOST].log_path.read_text()
    assert f'nova-compute running on host {HOST}' in compute_log
