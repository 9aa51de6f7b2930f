"""Schemathesis fuzzes every operation of /openapi.json against the real all-in-one stack
served by waitress (real HTTP, a noauth2 member, then admin, token): no request may end in a 5xx.

Bounded (a few examples per operation) so it finishes well under a minute. Path
parameters are drawn mostly from real servers and request ids, so the fuzzer reaches the
handlers behind the 404. ``CEPHEID_FUZZ_SEED`` and ``CEPHEID_FUZZ_EXAMPLES`` change the
seed (fixed by default, for a reproducible CI) and the number of examples.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

pytest.importorskip('schemathesis')

SEED = os.environ.get('CEPHEID_FUZZ_SEED', '20240601')
EXAMPLES = int(os.environ.get('CEPHEID_FUZZ_EXAMPLES', '8'))


def _servers(client, count=3):
    ids = []
    for i in range(count):
        status, body = client.post('/servers', {'server': {'name': f'fuzz-{i}',
                                                           'flavorRef': '1'}})
        assert status == 202, body
        ids.append(body['server']['id'])
    for server_id in ids:
        wait_for_server(client, server_id, idle)
    return ids


def _request_ids(client, server_ids):
    return [a['request_id'] for s in server_ids
            for a in client.get(f'/servers/{s}/os-instance-actions')[1]['instanceActions']]


def _toml_list(values):
    return '[' + ', '.join(json.dumps(v) for v in values) + ']'


def _config(tmp_path, server_ids, request_ids):
    path = tmp_path / 'schemathesis.toml'
    path.write_text(f'''
[dictionaries.servers]
values = {_toml_list(server_ids)}

[dictionaries.requests]
values = {_toml_list(request_ids)}

[dictionaries.flavors]
values = ["1", "2", "3"]

[parameters]
"path.server_id" = {{ dictionary = "servers", probability = 0.9 }}
"path.request_id" = {{ dictionary = "requests", probability = 0.8 }}
"body.server.flavorRef" = {{ dictionary = "flavors", probability = 0.7 }}
"path.flavor_id" = {{ dictionary = "flavors", probability = 0.8 }}

[generation]
max-examples = {EXAMPLES}
database = "none"

[cache]
enabled = false
''')
    return path


def _server_errors(report_dir):
    """(method, url, status) of every 5xx response recorded in the ndjson report."""
    found = []
    for report in report_dir.rglob('*.ndjson'):
        for line in report.read_text().splitlines():
            for match in _responses(json.loads(line)):
                found.append(match)
    return found


def _responses(node):
    """Walk a report event for recorded responses with a 5xx status."""
    if isinstance(node, dict):
        status = node.get('status_code')
        if isinstance(status, int) and status >= 500:
            yield node.get('method'), node.get('url'), status
        for value in node.values():
            yield from _responses(value)
    elif isinstance(node, list):
        for value in node:
            yield from _responses(value)


@pytest.mark.parametrize('token', [http.MEMBER, http.ADMIN], ids=['member', 'admin'])
def test_fuzzing_every_operation_never_gets_a_5xx(stack, client, tmp_path, token):
    server_ids = _servers(client)
    config = _config(tmp_path, server_ids, _request_ids(client, server_ids))
    root = stack.endpoint.removesuffix('/v2.1')
    report_dir = tmp_path / 'reports'
    cmd = [sys.executable, '-m', 'schemathesis.cli', '--config-file', str(config), 'run',
           f'{root}/openapi.json', '--checks', 'not_a_server_error', '--seed', SEED,
           '-H', f'X-Auth-Token: {token}', '-H', 'OpenStack-API-Version: compute latest',
           '--request-timeout', '10', '--report', 'ndjson',
           '--report-dir', str(report_dir), '--no-color']
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=dict(os.environ, SCHEMATHESIS_HOOKS=''))
    tail = run.stdout[-4000:] + run.stderr[-2000:]
    print(tail)
    assert run.returncode == 0, tail
    assert 'generated' in run.stdout, tail
    assert _server_errors(report_dir) == [], tail
