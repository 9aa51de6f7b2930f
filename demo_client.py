"""The demo's REST client: create a server, reboot it SOFT then HARD, print what happened.

It speaks plain HTTP to the api service (as any OpenStack client would) and merges two
sources into one timeline: the server's status/task_state polled through the API, and
the notifications the computes put on the bus.
"""

import json
import threading
import time
import urllib.error
import urllib.request

TOKEN = 'demo:demo-project'
def request(endpoint, method, path, body=None, token=TOKEN, *, microversion='2.90',
            headers=None):
    """One JSON request: ``(status, decoded body or None)``; a non-JSON error body is text."""
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {'X-Auth-Token': token, 'Content-Type': 'application/json',
                   'OpenStack-API-Version': f'compute {microversion}', **(headers or {})}
    req = urllib.request.Request(endpoint + path, data=data, method=method,
                                 headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, (json.loads(raw) if raw else None)
        except ValueError:
            return err.code, raw.decode(errors='replace')


class StatePoller(threading.Thread):
    """Polls GET /servers/{id} and records every change of (status, task_state)."""

    def __init__(self, endpoint, server_id):
        super().__init__(daemon=True)
        self.endpoint, self.server_id = endpoint, server_id
        self.changes = []
        self.stopped = threading.Event()

    def run(self):
        last = None
        while not self.stopped.is_set():
            _, body = request(self.endpoint, 'GET', f'/servers/{self.server_id}')
            server = body['server']
            now = (server['status'], server['OS-EXT-STS:task_state'])
            if now != last:
                self.changes.append((time.monotonic(), *now))
                last = now
            self.stopped.wait(0.002)


def wait_for(endpoint, server_id, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, body = request(endpoint, 'GET', f'/servers/{server_id}')
        if predicate(body['server']):
            return body['server']
        time.sleep(0.01)
    raise TimeoutError(f'server {server_id} did not get there in {timeout}s')


def _reboot(stack, server_id, reboot_type):
    poller = StatePoller(stack.endpoint, server_id)
    poller.start()
    start = time.monotonic()
    status, _ = request(stack.endpoint, 'POST', f'/servers/{server_id}/action',
                        {'reboot': {'type': reboot_type}})
    accepted = time.monotonic()
    stack.recorder.wait_for(lambda evs: any(
        e[2] == 'instance.reboot.end' and e[0] > start for e in evs))
    wait_for(stack.endpoint, server_id,
             lambda s: s['status'] == 'ACTIVE' and s['OS-EXT-STS:task_state'] is None)
    done = time.monotonic()
    poller.stopped.set()
    poller.join()
    print(f'\n== {reboot_type} reboot: POST → {status}, accepted in '
          f'{(accepted - start) * 1000:.1f} ms, ACTIVE again after {(done - start) * 1000:.1f} ms')
    rows = [(t, 'api  ', f'status={st:<12} task_state={ts}') for t, st, ts in poller.changes]
    for t, publisher, event_type, payload in stack.recorder.events:
        if t >= start and event_type.startswith('instance.'):
            data = payload['nova_object.data']
            rows.append((t, 'bus  ', f'{event_type:<22} task_state={data["task_state"]} '
                                     f'power_state={data["power_state"]} from {publisher}'))
    for t, source, text in sorted(rows):
        print(f'  +{(t - start) * 1000:7.1f} ms  {source} {text}')


def run_demo(stack):
    """The README's main job; returns the process exit code."""
    status, body = request(stack.endpoint, 'POST', '/servers',
                           {'server': {'name': 'demo-1', 'flavorRef': '1'}})
    if status != 202:
        print('create failed:', status, body)
        return 1
    server_id = body['server']['id']
    server = wait_for(stack.endpoint, server_id, lambda s: s['status'] == 'ACTIVE')
    print(f'Server {server_id} ACTIVE on host {server["OS-EXT-SRV-ATTR:host"] or "?"}'
          if 'OS-EXT-SRV-ATTR:host' in server else f'Server {server_id} ACTIVE')
    for reboot_type in ('SOFT', 'HARD'):
        _reboot(stack, server_id, reboot_type)
    _, body = request(stack.endpoint, 'GET', f'/servers/{server_id}/os-instance-actions')
    print('\n== instance actions (newest first)')
    for action in body['instanceActions']:
        _, detail = request(stack.endpoint, 'GET',
                            f'/servers/{server_id}/os-instance-actions/{action["request_id"]}')
        events = ', '.join(f'{e["event"]}={e["result"]}'
                           for e in detail['instanceAction'].get('events', []))
        print(f'  {action["action"]:<7} {action["request_id"]}  {events}')
    seen = sorted({e[2] for e in stack.recorder.events})
    print('\n== notification types seen on the bus:', ', '.join(seen))
    print('\n(fake:// listeners poll every ~50 ms when idle, which sets the pace of the steps'
          ' above; over RabbitMQ each step takes a few ms.)')
    return 0
