"""The api process's start-up imports leave out what it only needs on rare paths.

eventlet with greenlet and its green DNS resolver (only the eventlet executor; under
``threading`` oslo.service runs its threading backend and futurist finds no eventlet),
Alembic (only ``cepheid-manage db sync``), SQLAlchemy's MySQL dialect (only on MySQL or
MariaDB: api/db/column_types.py's DateTime6), cryptography (only key pair creation), requests
(only a policy rule of kind ``http:``/``https:``; keystonemiddleware brings it under
keystone) and oslo.middleware with webob (only ``/healthcheck``, imported at its first
request) would each stay resident in every api process; the README's benchmark section
gives the RSS they cost.
"""

import os
import subprocess
import sys

import pytest

LEFT_OUT = ('eventlet', 'greenlet', 'alembic', 'mako', 'pygments', 'cryptography', 'dns',
            'requests', 'urllib3', 'oslo_middleware', 'webob', 'sqlalchemy.dialects.mysql')
CODE = '''\
import sys
from cepheid.api import cmd
cmd.early_config.bootstrap([], prog=cmd.PROG)
from cepheid.api import app, service, startup_checks, wsgi
import futurist  # the RPC server's thread pool (its import tries eventlet)
loaded = {m for m in sys.modules if sys.modules[m] is not None}
loaded |= {m.split('.')[0] for m in loaded}
print(sorted(loaded & set(sys.argv[1:])))
'''


def _run(code, *args, **env):
    return subprocess.run([sys.executable, '-c', code, *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, **env))


@pytest.mark.skipif(os.environ.get('CEPHEID_EXECUTOR') == 'eventlet',
                    reason='a monkey-patched process uses the green resolver')
def test_api_start_up_imports_leave_out_rare_path_packages():
    result = _run(CODE, *LEFT_OUT, OS_DEFAULT__EXECUTOR='threading')
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == '[]', result.stderr


def test_eventlet_executor_keeps_the_green_resolver():
    result = _run(CODE, 'dns', OS_DEFAULT__EXECUTOR='eventlet')
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "['dns']", result.stderr


def test_the_greendns_switch_is_not_left_for_child_processes():
    code = ('import os\nfrom cepheid.api import cmd\n'
            'cmd.early_config.bootstrap([], prog=cmd.PROG)\n'
            'print(os.environ.get("EVENTLET_NO_GREENDNS"))\n')
    result = _run(code, OS_DEFAULT__EXECUTOR='threading')
    assert result.stdout.splitlines()[-1] == 'None', result.stderr
