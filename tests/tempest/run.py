"""``tox -e tempest``: run Tempest's compute API tests against a fresh Cepheid stack.

Builds (or reuses) the Keystone and Tempest venvs, starts the Stack, writes tempest.conf and
runs ``tempest run`` on ``tempest.api.compute`` minus ``exclude.txt`` (tests that need a service
Cepheid does not have). Prints ``N passed, N failed, N skipped`` and the time taken; exits non-zero
on any failure. ``--regex`` narrows the run (``python -m tests.tempest.run --regex test_versions``).
"""

import argparse
import concurrent.futures
import pathlib
import re
import subprocess
import sys
import tempfile
import time

from tests.fixtures import keystone
from tests.tempest import config
from tests.tempest import stack as stack_mod
from tests.tempest import venv as tempest_venv

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_REGEX = r'^tempest\.(serial_tests\.)?api\.compute\.'  # serial_tests: aggregates
TOTALS = {'passed': r'- Passed: (\d+)', 'failed': r'- Failed: (\d+)',
          'skipped': r'- Skipped: (\d+)'}


def log(message):
    print(f'[tempest] {message}', flush=True)


def _parse(argv):
    parser = argparse.ArgumentParser(prog='python -m tests.tempest.run',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--regex', default=DEFAULT_REGEX, help='tests to run (%(default)s)')
    parser.add_argument('--exclude-list', default=str(HERE / 'exclude.txt'),
                        help='tests that need a service Cepheid does not have')
    parser.add_argument('--not-implemented', default=str(HERE / 'not_implemented.txt'),
                        help="tests of Nova APIs Cepheid lacks so far (/dev/null: run them)")
    parser.add_argument('--concurrency', type=int, default=2)
    parser.add_argument('--workdir', help='configs, logs and the stestr repository '
                                          '(default: a new temporary directory, kept)')
    return parser.parse_args(argv)


def _venvs():
    """Keystone's and Tempest's venvs, built side by side when missing."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        ks = pool.submit(keystone.ensure_venv)
        tempest = pool.submit(tempest_venv.ensure_venv, log)
        return ks.result(), tempest.result()


def _tempest(venv, workdir, conf, args):
    """``tempest run``, its output shown live and returned: (exit code, output)."""
    cmd = [str(venv / 'bin' / 'tempest'), 'run', '--config-file', str(conf),
           '--regex', args.regex, '--exclude-list', str(_exclusions(workdir, args)),
           '--concurrency', str(args.concurrency)]
    log(' '.join(cmd))
    lines = []
    with subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, bufsize=1) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line)
    return proc.returncode, ''.join(lines)


def _exclusions(workdir, args):
    """One stestr exclude file: the missing services' list, then the not-implemented one."""
    lists = [pathlib.Path(args.exclude_list), pathlib.Path(args.not_implemented)]
    merged = workdir / 'exclude-all.txt'
    merged.write_text(''.join(p.read_text() + '\n' for p in lists))
    return merged


def counts(output):
    """Passed/failed/skipped from the ``Totals`` block ``tempest run`` prints last."""
    totals = output.rsplit('Totals', 1)[-1]
    found = {}
    for name, pattern in TOTALS.items():
        match = re.search(pattern, totals)
        found[name] = int(match.group(1)) if match else None
    return found


def _failing(venv, workdir):
    result = subprocess.run([str(venv / 'bin' / 'stestr'), 'failing', '--list'], cwd=workdir,
                            capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line.strip()]


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix='cepheid-tempest-'))
    workdir.mkdir(parents=True, exist_ok=True)
    log(f'workdir {workdir}')
    _, venv = _venvs()
    log(f'venvs ready: {time.monotonic() - started:.1f}s')
    with stack_mod.Stack(workdir, log) as stack:
        conf = config.write(workdir / 'tempest.conf', stack)
        tests_started = time.monotonic()
        code, output = _tempest(venv, workdir, conf, args)
        tests_took = time.monotonic() - tests_started
        found = counts(output)
        failing = _failing(venv, workdir) if found['failed'] else []
        if code and not found['failed']:
            stack.dump_logs()
    for test in failing:
        log(f'FAILED {test}')
    log(f'tests {tests_took:.0f}s, total {time.monotonic() - started:.0f}s; logs in {workdir}')
    print(f"tempest: {found['passed']} passed, {found['failed']} failed, "
          f"{found['skipped']} skipped", flush=True)
    return 1 if code or found['failed'] or found['passed'] is None else 0


if __name__ == '__main__':
    sys.exit(main())
