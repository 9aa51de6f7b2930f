"""``--nova``: OpenStack Nova 34.0.0 (PyPI) rebooting side by side with Cepheid, one run.

Nova and its functional-test fixtures live in their own venv, built once under a lock and
cached (``<cache>/<version>-py3.X``, ``CEPHEID_NOVA_CACHE``, default
``/var/cache/cepheid-nova``; a marker naming the packages makes reruns a file read). The
wheel ships ``nova/tests`` (the harness); the test requirements are not in its metadata,
so the few the functional base needs are listed here. ``bench/nova_harness.py`` runs in
that venv's Python and reports Nova's CPU per reboot; the ratio is Nova's over Cepheid's
in-process figure from the same invocation and the same reboot count.
"""

import fcntl
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import time

from bench import noise

NOVA_VERSION = '34.0.0'
# Nova's functional base (nova.test, nova.tests.fixtures, the placement fixture) imports
# these from Nova's test-requirements.txt.
PACKAGES = (f'nova=={NOVA_VERSION}', 'openstack-placement', 'fixtures', 'oslotest',
            'testtools', 'testscenarios', 'testresources', 'ddt', 'requests-mock',
            'wsgi-intercept', 'osprofiler')
CACHE_ROOT = pathlib.Path(os.environ.get('CEPHEID_NOVA_CACHE', '/var/cache/cepheid-nova'))
MARKER = '.cepheid-complete'
HARNESS = pathlib.Path(__file__).with_name('nova_harness.py')


def venv_path():
    return CACHE_ROOT / f'{NOVA_VERSION}-py{sys.version_info.major}{sys.version_info.minor}'


def _marker(venv):
    try:
        return (venv / MARKER).read_text()
    except OSError:
        return None


def _clean_env():
    """Our environment without PYTHONPATH: Nova's venv sees none of Cepheid's packages."""
    return {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}


def ensure_venv(log=print):
    """The path of Nova's venv, built (under a lock) when missing or different."""
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
        log(f'building {venv} ({", ".join(PACKAGES)}): minutes, once')
        subprocess.run([python, '-m', 'venv', str(venv)], check=True, timeout=120,
                       env=_clean_env())
        subprocess.run([str(venv / 'bin' / 'pip'), 'install', '-q',
                        '--disable-pip-version-check', *PACKAGES], check=True, timeout=1800,
                       env=_clean_env())
        (venv / MARKER).write_text(wanted)
        log(f'venv {venv} built in {time.monotonic() - started:.0f} s')
    return venv


def run(workdir, *, reboots, servers, max_seconds, log=print):
    """Nova's figures (``cpu_ms_per_reboot`` ...) with the machine's noise meanwhile."""
    venv = ensure_venv(log)
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / 'nova.json'
    machine = noise.MachineMeter().start()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [str(venv / 'bin' / 'python'), str(HARNESS), '--servers', str(servers),
         '--reboots', str(reboots), '--max-seconds', str(max_seconds), '--out', str(out)],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(_clean_env(), PYTHONWARNINGS='ignore'))
    output, _ = proc.communicate(timeout=max_seconds + 900)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f'Nova harness failed ({proc.returncode}):\n{output[-4000:]}')
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    harness_cpu = (children1.ru_utime - children0.ru_utime
                   + children1.ru_stime - children0.ru_stime)
    result = json.loads(out.read_text())
    # The window is the harness's whole run (set-up included): the rest is the noise.
    result['harness_cpu_seconds'] = round(harness_cpu, 2)
    result['noise'] = machine.stop(harness_cpu, [proc.pid])
    if result.get('capped'):
        result['note'] = (f'stopped by the {max_seconds:g} s time cap at {result["reboots"]} '
                          f'of {result["requested"]} reboots')
    return result


def side_by_side(nova, cepheid):
    """Both CPU figures and the ratio (Nova / Cepheid); None when either is missing."""
    n, c = nova.get('cpu_ms_per_reboot'), cepheid.get('cpu_ms_per_reboot')
    return {'nova_cpu_ms_per_reboot': n, 'cepheid_cpu_ms_per_reboot': c,
            'ratio': round(n / c, 2) if n and c else None,
            'reboots': {'nova': nova.get('reboots'), 'cepheid': cepheid.get('reboots')},
            'complete': bool(nova.get('complete') and cepheid.get('complete'))}
