"""The app served by waitress on an ephemeral port: real HTTP, real sockets."""

import http.client
import json

import pytest

from cepheid.api import wsgi
from tests.functional.api import conftest


@pytest.fixture
def server(app):
    running = wsgi.start_in_thread(app, '127.0.0.1', 0, threads=2)
    yield running
    running.stop()


def _conn(server):
    return http.client.HTTPConnection('127.0.0.1', server.port, timeout=10)


def test_serves_on_an_ephemeral_port_and_stops(app):
    running = wsgi.start_in_thread(app, '127.0.0.1', 0, threads=2)
    assert running.port > 0
    conn = _conn(running)
    conn.request('GET', '/v2.1/')
    assert conn.getresponse().status == 200
    running.stop()
    with pytest.raises(OSError):
        _conn(running).request('GET', '/')


def test_reboot_over_http(server, compute_api, instance):
    conn = _conn(server)
    conn.request('POST', f"/v2.1/servers/{instance['uuid']}/action",
                 body=json.dumps({'reboot': {'type': 'HARD'}}),
                 headers={'X-Auth-Token': conftest.MEMBER, 'Content-Type': 'application/json'})
    resp = conn.getresponse()
    assert resp.status == 202
    assert resp.getheader('x-compute-request-id').startswith('req-')
    assert compute_api.calls == [('reboot', instance['uuid'], 'HARD')]


def test_chunked_body_over_the_limit_is_413(server, instance):
    conn = _conn(server)
    pad = (b'x' * 1000 for _ in range(200))
    body = iter([b'{"reboot": {"type": "HARD", "pad": "', *pad, b'"}}'])
    conn.request('POST', f"/v2.1/servers/{instance['uuid']}/action", body=body,
                 headers={'X-Auth-Token': conftest.MEMBER, 'Content-Type': 'application/json'},
                 encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 413
    assert json.loads(resp.read())['overLimit']['code'] == 413


def test_unauthenticated_over_http_is_401_json(server):
    conn = _conn(server)
    conn.request('GET', '/v2.1/servers')
    resp = conn.getresponse()
    assert resp.status == 401
    assert json.loads(resp.read()) == {'unauthorized': {
        'code': 401, 'message': 'The request you have made requires authentication.'}}
