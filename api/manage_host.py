"""``cepheid-manage host reboot HOST``: a rolling reboot of every instance of a host.

Through the REST API (``--url``/``--token``, or ``OS_COMPUTE_URL``/``OS_TOKEN``), as an
admin: the host's servers are listed (``GET /servers/detail?host=...&all_tenants=1``),
then rebooted with at most ``--parallel`` in flight — a reboot is in flight from its POST
until the server shows no task_state again. Locked servers are skipped unless
``--no-skip-locked`` is given (the API lets only admins reboot them). A progress bar runs
on stderr, a table of results ends the run; the exit code is 1 when any reboot failed.
Ctrl-C stops sending: the reboots in flight are waited for, the rest reported "not sent".
"""

import concurrent.futures
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import tqdm

from cepheid.common import startup

MICROVERSION = '2.90'
IDLE_TIMEOUT = 600


class Api:
    """The few REST calls a rolling reboot needs; ``(status, body, request id)``."""

    def __init__(self, url, token):
        self.url, self.token = url.rstrip('/'), token

    def request(self, method, path, body=None):
        req = urllib.request.Request(
            self.url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={'X-Auth-Token': self.token, 'Content-Type': 'application/json',
                     'OpenStack-API-Version': f'compute {MICROVERSION}'})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw, status, headers = resp.read(), resp.status, resp.headers
        except urllib.error.HTTPError as err:
            raw, status, headers = err.read(), err.code, err.headers
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors='replace')
        return status, decoded, headers.get('X-Openstack-Request-Id')

    def host_servers(self, host):
        servers, query = [], {'host': host, 'all_tenants': '1', 'limit': '1000'}
        while True:
            status, body, _ = self.request(
                'GET', '/servers/detail?' + urllib.parse.urlencode(query))
            if status != 200:
                raise startup.StartupError(f'listing the servers of {host}: HTTP {status}: '
                                           f'{_error_text(body)}')
            servers += body['servers']
            if not body.get('servers_links') or not body['servers']:
                return servers
            query['marker'] = body['servers'][-1]['id']


def _error_text(body):
    if isinstance(body, dict) and body:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and 'message' in inner:
            return inner['message']
    return str(body)


class RollingReboot:
    def __init__(self, api, *, reboot_type='SOFT', parallel=1, poll_interval=0.2):
        self.api, self.reboot_type = api, reboot_type
        self.parallel, self.poll_interval = max(1, parallel), poll_interval
        self.stopping = threading.Event()

    def reboot_one(self, server):
        """Reboot and wait until idle: ``(result, detail)``."""
        if self.stopping.is_set():
            return 'not sent', 'interrupted'
        path = f'/servers/{server["id"]}'
        status, body, request_id = self.api.request(
            'POST', path + '/action', {'reboot': {'type': self.reboot_type}})
        if status != 202:
            return 'failed', f'HTTP {status}: {_error_text(body)}'
        deadline = time.monotonic() + IDLE_TIMEOUT
        while True:
            status, body, _ = self.api.request('GET', path)
            if status == 200 and body['server']['OS-EXT-STS:task_state'] is None:
                break
            if time.monotonic() > deadline:
                return 'failed', f'still busy after {IDLE_TIMEOUT} s'
            time.sleep(self.poll_interval)
        return self._outcome(path, body['server'], request_id)

    def _outcome(self, path, server, request_id):
        status, body, _ = self.api.request('GET', f'{path}/os-instance-actions/{request_id}')
        events = body.get('instanceAction', {}).get('events', []) if status == 200 else []
        failed = [e for e in events if e.get('result') == 'Error']
        if failed:
            return 'failed', f'{failed[0]["event"]}: Error (status {server["status"]})'
        if server['status'] != 'ACTIVE':
            return 'failed', f'status {server["status"]}'
        return 'ok', 'ACTIVE'

    def run(self, servers, skip_locked=True, progress=None):
        """``[(server, result, detail)]`` in the listing's order."""
        results = {}
        todo = []
        for server in servers:
            if server.get('locked') and skip_locked:
                results[server['id']] = ('skipped', 'locked: '
                                         + (server.get('locked_reason') or 'no reason'))
            else:
                todo.append(server)
        bar = progress or tqdm.tqdm(total=len(todo), unit='server', leave=True)
        with concurrent.futures.ThreadPoolExecutor(self.parallel) as pool:
            futures = {pool.submit(self.reboot_one, s): s for s in todo}
            pending = set(futures)
            told = False
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=0.2, return_when=concurrent.futures.FIRST_COMPLETED)
                if self.stopping.is_set() and not told:
                    bar.write('Interrupted: no more reboots sent; waiting for those in flight',
                              file=sys.stderr)
                    told = True
                for future in done:
                    results[futures[future]['id']] = future.result()
                    bar.update(1)
        bar.close()
        return [(s, *results[s['id']]) for s in servers]


def table(rows):
    """The results as a text table."""
    lines = [('SERVER', 'NAME', 'RESULT', 'DETAIL')]
    lines += [(s['id'], s['name'], result, detail) for s, result, detail in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(3)]
    return '\n'.join(f'{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}'
                     for a, b, c, d in lines)


def add_parser(subparsers):
    host = subparsers.add_parser('host', help='operations on every instance of a host')
    host_sub = host.add_subparsers(dest='action')
    host_sub.required = True
    reboot = host_sub.add_parser('reboot', help='rolling reboot of a host\'s instances')
    reboot.add_argument('host_name', metavar='HOST')
    reboot.add_argument('--type', dest='reboot_type', default='SOFT',
                        type=str.upper, choices=['SOFT', 'HARD'])
    reboot.add_argument('--parallel', type=int, default=1, help='reboots in flight at most')
    reboot.add_argument('--skip-locked', action='store_true', default=True,
                        help='skip locked servers (the default)')
    reboot.add_argument('--no-skip-locked', dest='skip_locked', action='store_false',
                        help='reboot locked servers too (admins only)')
    reboot.add_argument('--url', default=os.environ.get('OS_COMPUTE_URL'),
                        help='compute API endpoint, e.g. http://127.0.0.1:8774/v2.1 '
                             '(env OS_COMPUTE_URL)')
    reboot.add_argument('--token', default=os.environ.get('OS_TOKEN'),
                        help='an admin token (env OS_TOKEN; noauth2: admin:admin-project)')
    reboot.set_defaults(func=host_reboot)


def host_reboot(conf):
    args = conf.category
    if not args.url or not args.token:
        raise startup.StartupError('host reboot needs --url and --token (or OS_COMPUTE_URL, '
                                   'OS_TOKEN)')
    api = Api(args.url, args.token)
    servers = api.host_servers(args.host_name)
    runner = RollingReboot(api, reboot_type=args.reboot_type, parallel=args.parallel)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: runner.stopping.set())
    try:
        rows = runner.run(servers, skip_locked=args.skip_locked)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print(table(rows))
    counts = {r: sum(1 for _, result, _ in rows if result == r)
              for r in ('ok', 'failed', 'skipped', 'not sent')}
    print(', '.join(f'{n} {r}' for r, n in counts.items()) + f' of {len(rows)} on '
          f'{args.host_name}')
    if counts['failed']:
        return 1
    return 130 if runner.stopping.is_set() else 0
