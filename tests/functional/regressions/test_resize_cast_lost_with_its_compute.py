"""Regression: a compute killed right after prep_resize (or revert_resize) finished, its
cast of the next step lost with it, left the server in RESIZE until the watchdog ended it
in ERROR; the restarted compute now casts the next step again and the move goes on."""

import pytest

from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest
from tests.functional import crash
from tests.functional import three_hosts

ADMIN = http.ADMIN


@pytest.fixture
def stack():
    running = allinone.AllInOne(allinone.make_conf(compute_driver='fake'),
                                hosts=('compute1', 'compute2')).start()
    yield running
    running.stop()


def _act_and_crash_after(stack, client, sid, body, event):
    """``compute2`` dies once ``event`` is saved finished, before it casts the next step."""
    point = crash.at_report(stack.computes['compute2'], 'migration_step', 'after',
                            event=event, phase='finish')
    status, reply = client.post(f'/servers/{sid}/action', body, token=ADMIN)
    assert status in (202, 204), reply
    assert point.reached.wait(15)
    crash.kill(stack.computes['compute2'], point)
    crash.restart(stack, 'compute2')


def _settled(client, sid):
    return conftest.wait_for_server(
        client, sid, lambda s: s['OS-EXT-STS:task_state'] is None
        and s['status'] in ('VERIFY_RESIZE', 'ACTIVE', 'ERROR'), token=ADMIN)


def test_prep_resize_done_then_killed_resumes_the_resize(stack):
    client = http.Client(stack.endpoint)
    sid = three_hosts.create_on(client, 'compute1')['id']
    _act_and_crash_after(stack, client, sid, {'resize': {'flavorRef': '2'}},
                         'compute_prep_resize')
    server = _settled(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host'],
            server['flavor']['original_name']) == ('VERIFY_RESIZE', 'compute2', 'm1.small')


def test_revert_resize_done_then_killed_finishes_the_revert(stack):
    client = http.Client(stack.endpoint)
    sid = three_hosts.create_on(client, 'compute1')['id']
    assert client.post(f'/servers/{sid}/action', {'migrate': {'host': 'compute2'}},
                       token=ADMIN)[0] == 202
    assert _settled(client, sid)['status'] == 'VERIFY_RESIZE'
    _act_and_crash_after(stack, client, sid, {'revertResize': None},
                         'compute_revert_resize')
    server = conftest.wait_for_server(client, sid, conftest.idle, token=ADMIN)
    assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
    assert [h for h, c in stack.computes.items() if sid in c.driver.guests] == ['compute1']
