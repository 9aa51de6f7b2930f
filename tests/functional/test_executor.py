"""The executor choice: patching happens before any heavy import, and the stack runs it.

The functional suite runs once per executor (``CEPHEID_EXECUTOR``, see tox.ini); these
checks say which one is really in effect.
"""

import os
import subprocess
import sys

import pytest

EXECUTOR = os.environ.get('CEPHEID_EXECUTOR', 'threading')
HEAVY = ('oslo_', 'eventlet', 'sqlalchemy', 'flask', 'kombu', 'waitress', 'cepheid.api.app')


def _python(code, *args, env=None):
    return subprocess.run([sys.executable, '-c', code, *args], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, **(env or {})))


def _conf(tmp_path, **defaults):
    path = tmp_path / 'x.conf'
    path.write_text('[DEFAULT]\n' + ''.join(f'{k} = {v}\n' for k, v in defaults.items()))
    return str(path)


def test_entry_point_modules_import_nothing_heavy():
    result = _python('import sys, cepheid.api.cmd, cepheid.compute.cmd\n'
                     f'print([m for m in sys.modules if m.startswith({HEAVY!r})])',
                     env={'OS_DEFAULT__EXECUTOR': ''})
    assert result.stdout.strip() == '[]', result.stderr


@pytest.mark.parametrize('module', ['cepheid.api.cmd', 'cepheid.compute.cmd'])
def test_eventlet_in_the_config_file_patches_before_oslo_is_imported(tmp_path, module):
    code = (f'import sys, {module} as cmd\n'
            'print(cmd.early_config.bootstrap(sys.argv[1:], prog=cmd.PROG))\n'
            'import eventlet.patcher, threading\n'
            'print(eventlet.patcher.is_monkey_patched("thread"))\n')
    result = _python(code, '--config-file', _conf(tmp_path, executor='eventlet'),
                     env={'OS_DEFAULT__EXECUTOR': ''})
    assert result.stdout.split() == ['eventlet', 'True'], result.stderr


def test_compute_refuses_eventlet_with_the_libvirt_driver(tmp_path):
    conf = _conf(tmp_path, executor='eventlet', compute_driver='libvirt',
                 transport_url='fake://')
    result = subprocess.run([sys.executable, '-m', 'cepheid.compute.cmd', '--config-file', conf],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'cepheid-compute: [DEFAULT] compute_driver (in {conf}): the libvirt driver needs '
        '[DEFAULT] executor = threading']


def test_the_functional_stack_runs_the_chosen_executor(stack):
    assert stack.conf.executor == EXECUTOR
    expected = 'eventlet' if EXECUTOR == 'eventlet' else None
    assert stack.conductor.server.executor_type in (expected, 'threading')
    if EXECUTOR == 'eventlet':
        import eventlet.patcher
        assert eventlet.patcher.is_monkey_patched('thread')
        assert stack.conductor.server.executor_type == 'eventlet'
