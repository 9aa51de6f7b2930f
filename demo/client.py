"""The demo's REST client: create a server, reboot it SOFT then HARD, print what happened.

It speaks plain HTTP to the api service (as any OpenStack client would) and merges, per
operation, the task_states the compute saved through the conductor (recorded in-process
by the all-in-one stack: every step, in the order saved, no polling) with the
notifications the computes put on the bus.
"""

import json
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


def wait_for(endpoint, server_id, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, body = request(endpoint, 'GET', f'/servers/{server_id}')
        if predicate(body['server']):
            return body['server']
        time.sleep(0.01)
    raise TimeoutError(f'server {server_id} did not get there in {timeout}s')


LEGEND = ('Legend: api = the REST request (it sets the first task_state); compute = a '
          'task_state the compute reported to the conductor; bus = a versioned notification '
          '(at its send time); task_state None = done.')


def _timeline(stack, server_id, mark):
    """This operation's rows: the compute's saved task_states and the bus's notifications
    for ``server_id`` since ``mark`` (nothing an earlier operation left behind)."""
    rows = [(t, 'compute', f'task_state={task_state}  ({method})')
            for t, uuid, task_state, method in stack.transitions.since(mark)
            if uuid == server_id]
    for sent, (t, publisher, event_type, payload) in stack.recorder.with_emitted():
        data = payload.get('nova_object.data', {}) if isinstance(payload, dict) else {}
        if t >= mark and event_type.startswith('instance.') and data.get('uuid') == server_id:
            t = sent
            rows.append((t, 'bus    ', f'{event_type:<22} task_state={data["task_state"]} '
                                       f'power_state={data["power_state"]} from {publisher}'))
    return sorted(rows, key=lambda row: row[0])


def _reboot(stack, server_id, reboot_type):
    mark = time.monotonic()
    status, _ = request(stack.endpoint, 'POST', f'/servers/{server_id}/action',
                        {'reboot': {'type': reboot_type}})
    accepted = time.monotonic()
    if status != 202:
        print(f'\n== {reboot_type} reboot: POST → {status}')
        return False
    stack.transitions.wait_for(lambda rows: any(
        uuid == server_id and state is None for _, uuid, state, _ in rows), mark)
    stack.recorder.wait_for(lambda evs: any(
        e[0] >= mark and e[2] == 'instance.reboot.end' for e in evs))
    done = time.monotonic()
    print(f'\n== {reboot_type} reboot: POST → {status}, accepted in '
          f'{(accepted - mark) * 1000:.1f} ms, task done after {(done - mark) * 1000:.1f} ms')
    first, shown = (('rebooting', 'REBOOT') if reboot_type == 'SOFT'
                    else ('rebooting_hard', 'HARD_REBOOT'))
    # At the send time: the api sets the first task_state before it casts, so before any
    # compute step, while its 202 may reach this client after them on a busy machine.
    rows = [(mark, 'api    ', f'POST sent, 202 after {(accepted - mark) * 1000:.1f} ms: '
                              f'task_state={first} (status {shown})')]
    for t, source, text in sorted(rows + _timeline(stack, server_id, mark),
                                  key=lambda row: row[0]):
        print(f'  +{(t - mark) * 1000:7.1f} ms  {source} {text}')
    return True


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
    # The create's own notifications are in before the first reboot is timed.
    stack.recorder.wait_for(lambda evs: any(
        e[2] == 'instance.create.end' and _uuid(e[3]) == server_id for e in evs))
    print(LEGEND)
    for reboot_type in ('SOFT', 'HARD'):
        if not _reboot(stack, server_id, reboot_type):
            return 1
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


def _uuid(payload):
    data = payload.get('nova_object.data', {}) if isinstance(payload, dict) else {}
    return data.get('uuid')
