"""The pinned, unmodified Tempest in its own cached venv (built once, like Keystone's).

``<cache>/<tempest version>-py3.X`` holds ``tempest==TEMPEST_VERSION`` from PyPI; a marker file
naming the packages makes reruns a file read. Tempest's oslo libraries never meet Cepheid's.
"""

import fcntl
import os
import pathlib
import shutil
import sys
import time

from tests.fixtures import keystone

TEMPEST_VERSION = '47.0.0'
PACKAGES = (f'tempest=={TEMPEST_VERSION}',)
CACHE_ROOT = pathlib.Path(os.environ.get('CEPHEID_TEMPEST_CACHE', '/var/cache/cepheid-tempest'))
MARKER = '.cepheid-complete'


def venv_path():
    return CACHE_ROOT / f'{TEMPEST_VERSION}-py{sys.version_info.major}{sys.version_info.minor}'


def _marker(venv):
    try:
        return (venv / MARKER).read_text()
    except OSError:
        return None


def ensure_venv(log=print):
    """The path of the Tempest venv, built (under a lock) when missing or different."""
    venv = venv_path()
    wanted = ''.join(f'{package}\n' for package in PACKAGES)
    if _marker(venv) == wanted:
        return venv
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    with open(CACHE_ROOT / '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _marker(venv) == wanted:
            return venv
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        python = getattr(sys, '_base_executable', None) or sys.executable
        log(f'building {venv} ({", ".join(PACKAGES)})')
        keystone._run([python, '-m', 'venv', str(venv)], timeout=120)
        keystone._run([str(venv / 'bin' / 'pip'), 'install', '-q',
                       '--disable-pip-version-check', *PACKAGES], timeout=900)
        (venv / MARKER).write_text(wanted)
        log(f'venv {venv} built in {time.monotonic() - started:.1f}s')
    return venv
