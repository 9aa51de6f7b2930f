"""CPU and memory of processes from /proc, and latency percentiles.

CPU is utime + stime of every thread of a process (``/proc/<pid>/stat`` fields 14 and 15),
so a before/after difference is what that process burned in between.
"""

import math
import os
import time

CLK_TCK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    """utime + stime of ``pid`` in seconds, or None when it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name may hold spaces; the fields after its closing paren are fixed.
    fields = stat.rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pids_named(*names):
    """Pids whose command name (``/proc/<pid>/comm``) is one of ``names``."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/comm') as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in names:
            found.append(int(entry))
    return found


def process_tree(pid):
    """``pid`` and all its descendants."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def broker_pids():
    return pids_named('beam.smp')


def database_pids():
    return pids_named('postgres')


def status_kb(pid, field):
    """A ``/proc/<pid>/status`` size field (VmRSS, VmHWM, ...) in kB."""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


class CpuMeter:
    """CPU seconds of named groups of pids between ``start()`` and ``stop()``.

    ``groups`` maps a name to a callable returning the group's current pids, so processes
    born during the window (a new PostgreSQL backend) count from zero.
    """

    def __init__(self, groups):
        self.groups = groups
        self._before = {}
        self.seconds = {}
        self.wall = 0.0

    def _sample(self):
        sample = {}
        for name, pids in self.groups.items():
            sample[name] = {pid: cpu_seconds(pid) for pid in pids()}
        return sample

    def start(self):
        self._t0 = time.monotonic()
        self._before = self._sample()
        return self

    def stop(self):
        self.wall = time.monotonic() - self._t0
        after = self._sample()
        for name, pids in after.items():
            before = self._before.get(name, {})
            self.seconds[name] = sum(
                (end or 0.0) - (before.get(pid) or 0.0) for pid, end in pids.items()
                if end is not None)
        return self.seconds


def idle_rate(groups, seconds):
    """CPU seconds per wall second each group burns while we do nothing (a baseline)."""
    meter = CpuMeter(groups).start()
    time.sleep(seconds)
    used = meter.stop()
    return {name: value / meter.wall for name, value in used.items()}


def percentile(values, pct):
    """Nearest-rank percentile of ``values`` (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def summarize_ms(seconds):
    """p50/p90/p99/max/mean in milliseconds of a list of durations in seconds."""
    if not seconds:
        return {'n': 0, 'p50': None, 'p90': None, 'p99': None, 'max': None, 'mean': None}
    ms = [s * 1000 for s in seconds]
    return {'n': len(ms), 'p50': round(percentile(ms, 50), 2),
            'p90': round(percentile(ms, 90), 2), 'p99': round(percentile(ms, 99), 2),
            'max': round(max(ms), 2), 'mean': round(sum(ms) / len(ms), 2)}
