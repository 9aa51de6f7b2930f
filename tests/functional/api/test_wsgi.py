"""The app served by waitress on an ephemeral port: real HTTP, real sockets."""

import contextlib
import http.client
import json
import threading
import time

import pytest

from cepheid.api import wsgi
from tests.fixtures import http as http_fixture
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


@contextlib.contextmanager
def _served_with_idle_clients(app, count, **options):
    """A server with ``count`` idle keep-alive clients: yields ``(server, clients)``."""
    running = wsgi.start_in_thread(app, '127.0.0.1', 0, threads=2, **options)
    clients = []
    try:
        clients.extend(http_fixture.idle_keepalive_clients(running.port, count))
        yield running, clients
    finally:
        for conn in clients:
            conn.close()
        running.stop()


def test_a_new_client_is_served_past_100_idle_keepalive_clients(app):
    """waitress alone stops accepting at 100 open connections (its connection_limit) and
    the next client waited until an idle one timed out; the api's limit is
    [api] max_connections (1,000 by default), its sockets watched by poll()."""
    with _served_with_idle_clients(app, 150) as (running, _):
        late = http.client.HTTPConnection('127.0.0.1', running.port, timeout=3)
        late.request('GET', '/v2.1/')
        assert late.getresponse().status == 200
        late.close()


def test_at_max_connections_the_next_client_waits_for_one_to_close(app):
    with _served_with_idle_clients(app, 5, connection_limit=5) as (running, clients):
        late = http.client.HTTPConnection('127.0.0.1', running.port, timeout=1)
        late.request('GET', '/v2.1/')
        with pytest.raises(TimeoutError):
            late.getresponse()
        clients.pop().close()
        late.sock.settimeout(5)
        assert late.getresponse().status == 200
        late.close()


def _names_app(names):
    def app(environ, start_response):
        names.append(threading.current_thread().name)
        if environ['PATH_INFO'] == '/slow':
            time.sleep(0.3)
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'ok']
    return app


def _get(server, path='/'):
    conn = _conn(server)
    conn.request('GET', path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_sequential_requests_run_on_one_warm_thread_and_a_burst_on_all():
    """The request threads are woken last-idle first (wsgi.warm_dispatcher)."""
    names = []
    server = wsgi.start_in_thread(_names_app(names), threads=4)
    try:
        for _ in range(10):
            assert _get(server) == (200, b'ok')
            time.sleep(0.01)        # the thread is back waiting before the next request
        assert len(set(names)) == 1, names
        names.clear()
        results = []
        burst = [threading.Thread(target=lambda: results.append(_get(server, '/slow')))
                 for _ in range(4)]
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join(10)
        assert results == [(200, b'ok')] * 4
        assert len(set(names)) == 4, names
    finally:
        server.stop()
