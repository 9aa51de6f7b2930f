"""The REST API on PostgreSQL and MariaDB: strings a database must not see are 400, and a
short schemathesis run (the functional fuzz, fewer examples, member token) finds no 5xx.

api + one compute in this process over fake:// (the database is what differs), each
backend on a throw-away database.
"""

import os
import subprocess
import sys

import pytest

from cepheid.demo import allinone
from tests.fixtures import db_strings
from tests.fixtures import http
from tests.fixtures import owned_actions as owned
from tests.fixtures import processes

pytestmark = pytest.mark.integration

EXAMPLES = os.environ.get('CEPHEID_FUZZ_EXAMPLES_BACKENDS', '3')
DATABASES = {'postgresql': processes.PostgresDatabase, 'mariadb': processes.MariaDBDatabase}


@pytest.fixture(scope='module', params=sorted(DATABASES))
def stack(request):
    database = DATABASES[request.param]()
    conf = allinone.make_conf(compute_driver='fake')
    running = allinone.AllInOne(conf, hosts=['compute1'], db_url=database.url).start()
    yield running
    running.stop()
    database.drop()


@pytest.fixture(scope='module')
def server_id(stack):
    from tests.functional.conftest import idle
    from tests.functional.conftest import wait_for_server
    client = http.Client(stack.endpoint)
    status, body = client.post('/servers', {'server': {'name': 'vm', 'flavorRef': '1'}})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], idle)['id']


@pytest.mark.parametrize('method,path,body',
                         [case[1:] for case in db_strings.BAD_REQUESTS],
                         ids=[case[0] for case in db_strings.BAD_REQUESTS])
def test_string_unfit_for_the_database_is_400(stack, server_id, method, path, body):
    db_strings.assert_bad_request(stack.endpoint, method, path.format(server=server_id), body)


def test_fuzzing_every_operation_never_gets_a_5xx(stack, server_id, tmp_path):
    pytest.importorskip('schemathesis')
    from tests.functional import test_api_fuzz as fuzz
    client = http.Client(stack.endpoint)
    config = fuzz._config(tmp_path, [server_id], fuzz._request_ids(client, [server_id]))
    config.write_text(config.read_text().replace(
        f'max-examples = {fuzz.EXAMPLES}', f'max-examples = {EXAMPLES}'))
    report_dir = tmp_path / 'reports'
    cmd = [sys.executable, '-m', 'schemathesis.cli', '--config-file', str(config), 'run',
           f'{stack.endpoint.removesuffix("/v2.1")}/openapi.json',
           '--checks', 'not_a_server_error', '--seed', fuzz.SEED,
           '-H', f'X-Auth-Token: {http.MEMBER}', '-H', 'OpenStack-API-Version: compute latest',
           '--request-timeout', '20', '--report', 'ndjson', '--report-dir', str(report_dir),
           '--no-color']
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=dict(os.environ, SCHEMATHESIS_HOOKS=''))
    tail = run.stdout[-4000:] + run.stderr[-2000:]
    print(tail)
    assert 'generated' in run.stdout, tail
    assert fuzz._server_errors(report_dir) == [], tail
    assert run.returncode == 0, tail


def test_owned_actions_answer_as_the_full_path(stack):
    """The checks folded into the CAS (api/handlers/owned_action.py) give the full path's
    answers on this backend: locked 409, admin 202, owner 202 in one transaction."""
    from tests.functional.conftest import idle
    from tests.functional.conftest import wait_for_server
    client = http.Client(stack.endpoint)
    # A server of its own: the fuzz test above may have deleted the module's.
    status, body = client.post('/servers', {'server': {'name': 'owned', 'flavorRef': '1'}})
    assert status == 202, body
    server_id = wait_for_server(client, body['server']['id'], idle)['id']
    assert owned.post(stack, server_id, {'lock': None}) == (202, None)
    code, body = owned.reboot(stack, server_id)
    assert code == 409, body
    assert body['conflictingRequest']['message'] == f'Instance {server_id} is locked'
    assert owned.reboot(stack, server_id, token=http.ADMIN) == (202, None)
    wait_for_server(client, server_id, idle)
    assert owned.post(stack, server_id, {'unlock': None}) == (202, None)
    with owned.RequestStatements(stack.db.engine) as seen:
        assert owned.reboot(stack, server_id, reboot_type='HARD') == (202, None)
    # MariaDB has no UPDATE … RETURNING: its CAS reads the updated row back, after it.
    reads = 0 if stack.db.engine.dialect.update_returning else 1
    assert len(seen.reads_of_instances()) == reads
    # PostgreSQL runs the CAS, the instance action and the outbox row as one statement
    # (api/db/fused_steps.py); it commits on its own, and SQLAlchemy's COMMIT after it
    # sends nothing.
    first = 'WITH CAS AS (UPDATE INSTANCES ' if stack.db.fused_steps else 'UPDATE INSTANCES '
    assert seen.statements[0].startswith(first)
    assert [s.split()[0] for s in seen.statements] == (
        ['WITH', 'COMMIT'] if stack.db.fused_steps
        else ['UPDATE', *['SELECT'] * reads, 'INSERT', 'INSERT', 'COMMIT'])
    wait_for_server(client, server_id, idle)
    assert [a for a, _ in owned.actions(client, server_id)][:4] == [
        'reboot', 'unlock', 'reboot', 'lock']
