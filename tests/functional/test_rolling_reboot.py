"""``cepheid-manage host reboot``: 20 servers of a host rebooted 5 at a time through the
REST API. In flight is measured on the server side, from the compute's own task_state
reports (first step reported → ``None`` reported), never more than --parallel; locked
servers are skipped; a reboot that fails makes the exit code 1."""

import os
import signal
import subprocess
import sys
import time

import pytest

from cepheid.api import manage
from cepheid.common import states
from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

HOST = 'compute1'
LOCKED = ('roll-3', 'roll-11')
FAILING = 'roll-7'


@pytest.fixture
def roll_stack():
    conf = allinone.make_conf(compute_driver='fake', **{
        'fake_driver.reboot_delay': 0.2, 'lifecycle_event_delay': 600,
        # twenty servers of one project: above Nova's default instances/cores quotas
        'quota.instances': -1, 'quota.cores': -1, 'quota.ram': -1,
        'fake_driver.fail_instance_names': [f'{FAILING}:reboot']})
    running = allinone.AllInOne(conf, hosts=[HOST, 'compute2']).start()
    yield running
    running.stop()


def _create(client, name, host):
    status, body = client.post('/servers', {'server': {
        'name': name, 'flavorRef': '1', 'availability_zone': f'nova:{host}'}},
        token=http.ADMIN)
    assert status == 202, body
    return body['server']['id']


def max_in_flight(rows, uuids):
    """Most instances between their first reported step and their ``None`` at once."""
    busy, most = set(), 0
    for _, uuid, task_state, _ in sorted(rows, key=lambda row: row[0]):
        if uuid not in uuids:
            continue
        if task_state is None:
            busy.discard(uuid)
        else:
            busy.add(uuid)
        most = max(most, len(busy))
    return most


def test_rolling_reboot_of_20_servers_5_at_a_time(roll_stack, capsys):
    client = http.Client(roll_stack.endpoint)
    names = {_create(client, f'roll-{i}', HOST): f'roll-{i}' for i in range(20)}
    other = _create(client, 'elsewhere', 'compute2')
    for uuid in [*names, other]:
        wait_for_server(client, uuid, idle, token=http.ADMIN)
    by_name = {name: uuid for uuid, name in names.items()}
    for name in LOCKED:
        assert client.post(f'/servers/{by_name[name]}/action',
                           {'lock': {'locked_reason': 'keep up'}}, token=http.ADMIN)[0] == 202
    # The failing guest is down on the hypervisor, so its failed reboot leaves it ERROR.
    driver = roll_stack.computes[HOST].driver
    driver.guests[by_name[FAILING]].power_state = states.SHUTDOWN
    mark = time.monotonic()
    code = manage.main(['host', 'reboot', HOST, '--parallel', '5', '--type', 'HARD',
                        '--url', roll_stack.endpoint, '--token', http.ADMIN])
    out = capsys.readouterr().out
    assert code == 1, out
    rows = roll_stack.transitions.since(mark)
    rebooted = {uuid for uuid, name in names.items() if name not in LOCKED}
    assert {uuid for _, uuid, _, _ in rows} == rebooted          # nothing else touched
    assert 2 <= max_in_flight(rows, rebooted) <= 5, out
    results = {line.split()[1]: line.split()[2] for line in out.splitlines()
               if line.startswith(tuple(names))}
    assert results == {name: ('skipped' if name in LOCKED else
                              'failed' if name == FAILING else 'ok')
                       for name in names.values()}
    assert '17 ok, 1 failed, 2 skipped, 0 not sent of 20 on compute1' in out
    for uuid, name in names.items():
        server = client.get(f'/servers/{uuid}', token=http.ADMIN)[1]['server']
        assert server['status'] == ('ERROR' if name == FAILING else 'ACTIVE'), name
        actions = client.get(f'/servers/{uuid}/os-instance-actions', token=http.ADMIN)[1]
        reboots = [a for a in actions['instanceActions'] if a['action'] == 'reboot']
        assert len(reboots) == (0 if name in LOCKED else 1), name


def test_ctrl_c_stops_sending_and_waits_for_the_reboots_in_flight(roll_stack):
    client = http.Client(roll_stack.endpoint)
    uuids = [_create(client, f'slow-{i}', HOST) for i in range(8)]
    for uuid in uuids:
        wait_for_server(client, uuid, idle, token=http.ADMIN)
    mark = time.monotonic()
    env = dict(os.environ, OS_COMPUTE_URL=roll_stack.endpoint, OS_TOKEN=http.ADMIN)
    proc = subprocess.Popen([sys.executable, '-m', 'cepheid.api.manage', 'host', 'reboot',
                             HOST, '--parallel', '2', '--type', 'HARD'],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    roll_stack.transitions.wait_for(lambda rows: any(
        uuid in uuids and state is not None for _, uuid, state, _ in rows), mark, timeout=30)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert 'Interrupted' in err
    results = [line.split()[2] for line in out.splitlines() if line.startswith(tuple(uuids))]
    # 'not sent' splits into 'not', 'sent'
    assert 1 <= results.count('ok') <= 4 and results.count('not') >= 4, out
    assert results.count('ok') + results.count('not') == 8, out
    for uuid in uuids:       # nothing left mid-reboot: those in flight were waited for
        server = client.get(f'/servers/{uuid}', token=http.ADMIN)[1]['server']
        assert idle(server), server
