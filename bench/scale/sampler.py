"""What the hosts processes and the broker hold while a phase runs, sampled in the
background: each hosts process's thread count (``/proc/<pid>/status``), this vhost's
broker connections, the load average; every sample appended to a JSON-lines file at
once, so a run that breaks down still leaves them.

``with Sampler(cluster, path, phase='create') as s: ... s.mark('storm') ...`` then
``s.summary('storm')``. A phase gets a sample when it begins and when it ends, however
short it is.
"""

import json
import os
import queue
import subprocess
import threading
import time


def threads_of(pid):
    try:
        with open(f'/proc/{pid}/status') as f:
            return next(int(line.split()[1]) for line in f if line.startswith('Threads:'))
    except (OSError, StopIteration, ValueError):
        return None


def vhost_connections(vhost):
    """This vhost's connections (None when rabbitmqctl does not answer)."""
    try:
        out = subprocess.run(['rabbitmqctl', '-q', 'list_connections', 'vhost'],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sum(1 for line in out.splitlines() if line.strip() == vhost)


class Sampler:
    def __init__(self, cluster, path, *, phase, interval=15.0):
        self.cluster, self.path, self.phase = cluster, path, phase
        self.interval = interval
        self.samples = []
        self._marks = queue.Queue()      # the next phases; None: stop
        self._thread = threading.Thread(target=self._loop, name='scale-sampler', daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._marks.put(None)
        self._thread.join(self.interval + 130)

    def mark(self, phase):
        """The current phase ends (sampled once more), ``phase`` begins (sampled at once)."""
        self._marks.put(phase)

    def sample(self):
        pids = self.cluster.host_pids()
        threads = [threads_of(pid) for pid in pids]
        return {'time': round(time.time(), 1), 'phase': self.phase,
                'load_1min': os.getloadavg()[0],
                'hosts_process_threads': threads,
                'broker_connections': vhost_connections(self.cluster.vhost.name)}

    def _record(self):
        entry = self.sample()
        self.samples.append(entry)
        with open(self.path, 'a') as f:
            f.write(json.dumps(entry) + '\n')

    def _loop(self):
        self._record()
        while True:
            try:
                phase = self._marks.get(timeout=self.interval)
            except queue.Empty:
                self._record()
                continue
            self._record()                  # the end of the phase that ends
            if phase is None:
                return
            self.phase = phase
            self._record()

    def summary(self, phase):
        """Over the samples of ``phase``: the most threads of one hosts process, the most
        connections, the load's range."""
        samples = [s for s in self.samples if s['phase'] == phase]

        def pick(func, values):
            values = [v for v in values if v is not None]
            return func(values) if values else None
        return {'samples': len(samples),
                'max_threads_per_hosts_process': pick(
                    max, (t for s in samples for t in s['hosts_process_threads'])),
                'max_broker_connections': pick(max, (s['broker_connections']
                                                     for s in samples)),
                'load_1min_min': pick(min, (s['load_1min'] for s in samples)),
                'load_1min_max': pick(max, (s['load_1min'] for s in samples))}
