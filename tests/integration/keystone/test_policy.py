"""Keystone roles and project scope drive Cepheid's policies: member, reader, admin, others."""

import pathlib
import uuid

import pytest

from tests.fixtures import processes
from tests.integration.keystone import helpers

pytestmark = pytest.mark.integration


def _fault(body):
    (name, fault), = body.items()
    return name, fault['code'], fault['message']


def test_demo_member_cannot_see_or_reboot_an_alt_server(cluster, tokens, alt_server):
    client, token = cluster['client'], tokens['demo-member']
    for status, body in (client.get(f'/servers/{alt_server}', token=token),
                         client.get(f'/servers/{alt_server}/os-instance-actions', token=token),
                         helpers.reboot(client, token, alt_server)):
        assert status == 404, body
        assert _fault(body)[:2] == ('itemNotFound', 404)
    _, body = client.get('/servers/detail', token=token)
    assert alt_server not in {s['id'] for s in body['servers']}


def test_reader_sees_but_cannot_reboot_403(cluster, tokens, demo_server):
    client, token = cluster['client'], tokens['demo-reader']
    assert helpers.server_of(client, token, demo_server)['id'] == demo_server
    status, body = helpers.reboot(client, token, demo_server)
    assert status == 403
    assert _fault(body) == ('forbidden', 403, "Policy doesn't allow "
                            'os_compute_api:servers:reboot to be performed.')
    status, body = client.post(f'/servers/{demo_server}/action', {'lock': None}, token=token)
    assert status == 403, body


def test_admin_reboots_a_server_its_member_locked(cluster, tokens, demo_server):
    client, member, admin = cluster['client'], tokens['demo-member'], tokens['admin']
    helpers.wait_idle(client, member, demo_server)
    status, body = client.post(f'/servers/{demo_server}/action', {'lock': None}, token=member)
    assert status == 202, body
    try:
        status, body = helpers.reboot(client, member, demo_server)
        assert status == 409
        assert _fault(body)[2] == f'Instance {demo_server} is locked'
        status, body = helpers.reboot(client, admin, demo_server, 'HARD')
        assert status == 202, body
        server = helpers.wait_idle(client, member, demo_server)
        assert server['locked'] is True
    finally:
        assert client.post(f'/servers/{demo_server}/action', {'unlock': None},
                           token=member)[0] == 202


def test_an_alt_token_never_reaches_demo_data_even_with_forged_headers(
        cluster, identity, tokens, demo_server, alt_server):
    """auth_token drops identity headers the caller sent and sets the token's own."""
    forged = {'X-Project-Id': identity['projects']['demo'],
              'X-Tenant-Id': identity['projects']['demo'],
              'X-User-Id': identity['users']['demo-member'],
              'X-Roles': 'admin,member,reader', 'X-Identity-Status': 'Confirmed'}
    client, token = cluster['client'], tokens['alt-member']
    status, _, body = helpers.call(client, 'GET', '/servers/detail', token=token,
                                   headers=forged)
    assert status == 200
    assert {s['id'] for s in body['servers']} == {alt_server}
    assert {s['tenant_id'] for s in body['servers']} == {identity['projects']['alt']}
    for method, path, payload in (('GET', f'/servers/{demo_server}', None),
                                  ('POST', f'/servers/{demo_server}/action',
                                   {'reboot': {'type': 'SOFT'}})):
        status, _, body = helpers.call(client, method, path, token=token, headers=forged,
                                       body=payload)
        assert status == 404, body
    status, _, body = helpers.call(client, 'GET', '/servers/detail?all_tenants=1',
                                   token=token, headers=forged)
    assert status == 403, body
    status, _, body = helpers.call(client, 'GET', '/os-services', token=token,
                                   headers=forged)
    assert status == 403, body


def test_admin_sees_every_project(cluster, identity, tokens, demo_server, alt_server):
    status, body = cluster['client'].get('/servers/detail?all_tenants=1',
                                         token=tokens['admin'])
    assert status == 200
    seen = {s['id']: s['tenant_id'] for s in body['servers']}
    assert seen[demo_server] == identity['projects']['demo']
    assert seen[alt_server] == identity['projects']['alt']
    assert cluster['client'].get('/os-services', token=tokens['admin'])[0] == 200


def test_context_reaches_compute_with_user_project_domains_and_request_ids(
        cluster, identity, tokens, demo_server):
    client, token = cluster['client'], tokens['demo-member']
    helpers.wait_idle(client, token, demo_server)
    global_id = f'req-{uuid.uuid4()}'
    status, headers, body = helpers.call(
        client, 'POST', f'/servers/{demo_server}/action', token=token,
        headers={'X-OpenStack-Request-ID': global_id}, body={'reboot': {'type': 'SOFT'}})
    assert status == 202, body
    # oslo.log's context prefix: [global_id request_id user project domain system_scope
    # user_domain project_domain]; the compute got the api's context over RabbitMQ.
    expected = (f'[{global_id} {headers["x-openstack-request-id"]} '
                f'{identity["users"]["demo-member"]} {identity["projects"]["demo"]} '
                f'- - default default] Rebooting instance {demo_server}')
    compute_log = pathlib.Path(cluster['procs'][1].log_path)
    processes.wait_until(lambda: expected in compute_log.read_text(errors='replace'), 20,
                         'the reboot logged by the compute with the caller\'s context')
    helpers.wait_idle(client, token, demo_server)
