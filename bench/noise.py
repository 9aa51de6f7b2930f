"""What else the machine did while a run was measured, so a noisy run shows as one.

``MachineMeter``: the load average before and after, the machine's speed before, during
and after (bench/machine_speed.py), the CPU the rest of the machine burned in the window
(the whole machine's busy time from ``/proc/stat``, so processes that came and went count
too, less what the run's own groups used, with the top other processes by name), and the
share of the CPUs' time the hypervisor gave to other guests (steal): the speed unit, timed
in CPU time, does not see it, the run's wall-clock figures do. ``broker_sharing`` /
``database_sharing`` say whether RabbitMQ and PostgreSQL served anyone else meanwhile
(other vhosts' connections, other nodes or servers, other databases' sessions): their CPU
is then an upper bound of the run's.
"""

import os
import subprocess
import time

from bench import machine_speed
from bench import procstat

NOISY_CORES = 0.25      # other processes busier than this (in cores): the run was noisy
NOISY_STEAL = 10.0      # or the hypervisor took this much of the CPUs' time (%)


def cpu_seconds():
    """``(busy, stolen)``: CPU seconds the whole machine has spent busy since boot (every
    core), and those the hypervisor gave to other guests while this one wanted to run
    (``steal``: neither this run's nor any process's here)."""
    with open('/proc/stat') as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return ((user + nice + system + irq + softirq) / procstat.CLK_TCK,
            steal / procstat.CLK_TCK)


class SpeedMeter:
    """The machine's speed around a run: the unit before, sampled during
    (``machine_speed.DuringRun``) and after, and the share of the CPUs' time (%) the
    hypervisor gave to other guests meanwhile (steal)."""

    def start(self):
        self._before = machine_speed.unit_ms()
        self._t0, self._stolen0 = time.monotonic(), cpu_seconds()[1]
        self._during = machine_speed.DuringRun()
        return self

    def stop(self):
        during = self._during.stop()
        wall = time.monotonic() - self._t0
        stolen = cpu_seconds()[1] - self._stolen0
        return {'speed_unit_ms_before': self._before,
                'speed_unit_ms_after': machine_speed.unit_ms(),
                'speed_unit_ms_during': during,
                'steal_percent': round(100.0 * stolen / (wall * os.cpu_count()), 1)
                if wall > 0 else 0.0}


def _all_cpu():
    sample = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            seconds = procstat.cpu_seconds(int(entry))
            if seconds is not None:
                sample[int(entry)] = seconds
    return sample


def _comm(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return '?'


class MachineMeter:
    """``start()``, then ``stop(accounted_seconds, accounted_pids)`` with the CPU and pids
    the run's own groups were measured at; returns the noise figures."""

    def start(self):
        self._speed = SpeedMeter().start()
        self._t0, self._busy0 = time.monotonic(), cpu_seconds()[0]
        self._load0, self._procs0 = os.getloadavg()[0], _all_cpu()
        return self

    def stop(self, accounted_seconds, accounted_pids=()):
        wall = time.monotonic() - self._t0
        busy = cpu_seconds()[0] - self._busy0
        other = max(0.0, busy - accounted_seconds)
        mine = set(accounted_pids)
        by_name = {}
        for pid, end in _all_cpu().items():
            if pid not in mine:
                used = end - self._procs0.get(pid, 0.0)
                if used > 0:
                    by_name[_comm(pid)] = by_name.get(_comm(pid), 0.0) + used
        top = sorted(by_name.items(), key=lambda item: -item[1])[:3]
        cores_busy = other / wall if wall > 0 else 0.0
        speed = self._speed.stop()
        return {
            **speed,
            'loadavg_1m_before': round(self._load0, 2),
            'loadavg_1m_after': round(os.getloadavg()[0], 2),
            'cpus': os.cpu_count(),
            'other_cpu_seconds': round(other, 2),
            'other_cores_busy': round(cores_busy, 2),
            'top_other_processes': [[name, round(s, 2)] for name, s in top],
            'noisy': cores_busy > NOISY_CORES or speed['steal_percent'] >= NOISY_STEAL,
        }


def broker_sharing(vhost):
    """Reasons RabbitMQ's CPU is not only this run's (``[]``: it is)."""
    reasons = []
    nodes = len(procstat.broker_pids())
    if nodes > 1:
        reasons.append(f'{nodes} beam.smp processes summed')
    try:
        out = subprocess.run(['rabbitmqctl', '-q', 'list_connections', 'vhost'],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return reasons + [f'connections unknown ({exc})']
    others = [line.strip() for line in out.splitlines()
              if line.strip() and line.strip() not in (vhost, 'vhost')]
    if others:
        reasons.append(f'{len(others)} connections of other vhosts')
    return reasons


def database_sharing(engine, database):
    """Reasons PostgreSQL's CPU is not only this run's (``[]``: it is)."""
    import sqlalchemy as sa
    reasons = []
    postmasters = [p for p in procstat.database_pids()
                   if _comm(_parent(p)) != 'postgres']
    if len(postmasters) > 1:
        reasons.append(f'{len(postmasters)} PostgreSQL servers summed')
    with engine.connect() as conn:
        others = conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            'AND datname IS DISTINCT FROM :db'), {'db': database}).scalar()
    if others:
        reasons.append(f'{others} sessions on other databases')
    return reasons


def database_backends(engine, database):
    """Pids of the server processes serving ``database`` (the run's own share of
    PostgreSQL: a lower bound of its CPU)."""
    import sqlalchemy as sa
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text(
            'SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> '
            'pg_backend_pid()'), {'db': database})]


def _parent(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
