"""Helpers for the libvirt integration tests: timings (JSON + summary) and serial-log waits."""

import json
import os
import pathlib
import time

from tests.fixtures import driver_contract

TIMINGS_FILE = pathlib.Path(os.environ.get('CEPHEID_TIMINGS_FILE',
                                           '/tmp/cepheid-libvirt-timings.json'))
READY_MARKER = 'CEPHEID-GUEST-READY'

timings = {}


def record_timing(name, seconds):
    """Keep a measured duration for the JSON file and the terminal summary; print it too."""
    timings[name] = round(seconds, 3)
    print(f'[timing] {name} = {seconds:.3f} s')
    TIMINGS_FILE.write_text(json.dumps(timings, indent=2, sort_keys=True) + '\n')


def wait_for_console(path, marker=READY_MARKER, timeout=60):
    """Seconds until ``marker`` shows up in the serial log at ``path`` (fails after timeout)."""
    start = time.monotonic()

    def _seen():
        try:
            return marker in pathlib.Path(path).read_text(errors='replace')
        except FileNotFoundError:
            return False

    assert driver_contract.wait_until(_seen, timeout=timeout, interval=0.05), \
        f'{marker} not in {path} after {timeout} s'
    return time.monotonic() - start
