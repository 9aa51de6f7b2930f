"""Regression: a live migration whose guest had left the source never ends half done.

A destination killed in ``post_live_migration_at_destination`` left the server ERROR with
the destination's claim held; a source killed after the destination took the server left
the migration ``post-migrating`` and the source's claim held for ever."""

import pytest
import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest
from tests.functional import crash
from tests.functional import three_hosts

ADMIN = http.ADMIN


@pytest.fixture
def stack():
    conf = allinone.make_conf(compute_driver='fake', rpc_response_timeout=2)
    running = allinone.AllInOne(conf, hosts=('compute1', 'compute2')).start()
    yield running
    running.stop()


def _end(client, sid):
    """The server and its migration's status once the migration is no longer in
    progress (``servers/{id}/migrations`` lists those only)."""
    conftest.wait_for_server(
        client, sid, lambda s: s['OS-EXT-STS:task_state'] is None and client.get(
            f'/servers/{sid}/migrations', token=ADMIN)[1]['migrations'] == [], token=ADMIN)
    server = client.get(f'/servers/{sid}', token=ADMIN)[1]['server']
    migration = client.get(f'/os-migrations?instance_uuid={sid}', token=ADMIN)[1]
    return server, migration['migrations'][0]['status']


def _claims(stack):
    with stack.db.transaction() as session:
        return {r.host: r.memory_mb_used
                for r in session.scalars(sa.select(models.ComputeNode))}


def _live_migrate_and_crash(stack, client, host, point_of):
    sid = three_hosts.create_on(client, 'compute1')['id']
    point = point_of(stack.computes[host])
    status, body = client.post(f'/servers/{sid}/action', {'os-migrateLive': {
        'host': 'compute2', 'block_migration': 'auto'}}, token=ADMIN)
    assert status == 202, body
    assert point.reached.wait(15)
    crash.kill(stack.computes[host], point)
    crash.restart(stack, host)
    return sid


def test_destination_killed_in_post_errors_out_with_its_claim_given_back(stack):
    client = http.Client(stack.endpoint)
    sid = _live_migrate_and_crash(stack, client, 'compute2', lambda c: crash.at_driver_call(
        c, 'post_live_migration_at_destination'))
    server, status = _end(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host'], status) == (
        'ERROR', 'compute1', 'error')
    assert server['fault']['message']
    assert _claims(stack) == {'compute1': 512, 'compute2': 0}


def test_source_killed_after_the_destination_took_it_completes(stack):
    client = http.Client(stack.endpoint)
    sid = _live_migrate_and_crash(stack, client, 'compute1', lambda c: crash.at_report(
        c, 'migration_step', 'before', event='compute_live_migration', phase='finish'))
    server, status = _end(client, sid)
    assert (server['status'], server['OS-EXT-SRV-ATTR:host'], status) == (
        'ACTIVE', 'compute2', 'completed')
    assert _claims(stack) == {'compute1': 0, 'compute2': 512}
    assert [h for h, c in stack.computes.items() if sid in c.driver.guests] == ['compute2']
