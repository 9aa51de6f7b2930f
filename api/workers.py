"""Api worker processes: one listening socket, N fresh ``cepheid-api`` workers serving it.

The supervisor binds the socket and starts each worker as a new interpreter (not a fork:
no threads, transports or eventlet hub are copied) that inherits the socket's file
descriptor. A worker that dies is restarted; SIGTERM/SIGINT stops them all. A worker also
stops on its own when its supervisor disappears.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from oslo_log import log as logging

from cepheid.common import binaries
from cepheid.common import metrics

LOG = logging.getLogger(__name__)

LISTEN_FD_ENV = 'CEPHEID_API_LISTEN_FD'
PARENT_ENV = 'CEPHEID_API_SUPERVISOR_PID'
# 0..workers-1, reused by a restarted worker: names per-worker queues (the dashboard's).
SLOT_ENV = 'CEPHEID_API_WORKER_SLOT'
# The slot whose worker runs the host's periodic duties (runs_host_duties).
HOST_DUTIES_SLOT = '0'
MAX_FAST_DEATHS = 5       # workers dying within FAST_DEATH_SECONDS of start, in a row
FAST_DEATH_SECONDS = 10
STOP_TIMEOUT = 15


def inherited_socket():
    """The listening socket handed down by a supervisor, or None in a standalone process."""
    fd = os.environ.get(LISTEN_FD_ENV)
    return socket.socket(fileno=int(fd)) if fd else None


def worker_slot():
    """This worker's slot (``'0'`` in a standalone process)."""
    return os.environ.get(SLOT_ENV, '0')


def free_slot(taken):
    """The lowest slot not in ``taken``: a worker started in place of a dead one gets
    the dead one's slot (with it, its dashboard queue and its host duties)."""
    taken = set(taken)
    return min(set(range(len(taken) + 1)) - taken)


def runs_host_duties():
    """Whether this process runs the api host's once-per-host periodic duties (the
    watchdog, the reclaim, the resize confirm, the outbox's looks for lapsed claims):
    slot 0 only. That is the only worker with ``[api] workers = 1``, every standalone or
    in-process api, and a respawned slot-0 worker (it gets its slot back)."""
    return worker_slot() == HOST_DUTIES_SLOT


def parent_pid():
    return int(os.environ[PARENT_ENV])


class Supervisor:
    def __init__(self, conf, sock, argv):
        self.conf, self.sock, self.argv = conf, sock, list(argv)
        self.children = {}        # pid -> (Popen, start time)
        self.slots = {}           # pid -> worker slot
        self.fast_deaths = 0

    def _spawn(self):
        slot = free_slot(self.slots.values())
        env = dict(os.environ, **{LISTEN_FD_ENV: str(self.sock.fileno()),
                                  PARENT_ENV: str(os.getpid()), SLOT_ENV: str(slot)})
        proc = subprocess.Popen([sys.executable, '-m', 'cepheid.api.cmd', *self.argv],
                                env=env, pass_fds=[self.sock.fileno()])
        self.children[proc.pid] = (proc, time.monotonic())
        self.slots[proc.pid] = slot
        LOG.info('started api worker %d', proc.pid)

    def _reap(self):
        """Forget exited workers; return how many died young."""
        young = 0
        for pid, (proc, started) in list(self.children.items()):
            if proc.poll() is None:
                continue
            del self.children[pid]
            self.slots.pop(pid, None)
            metrics.process_dead(pid)
            LOG.warning('api worker %d exited with %s', pid, proc.returncode)
            young += time.monotonic() - started < FAST_DEATH_SECONDS
        return young

    def _count_deaths(self):
        before = len(self.children)
        young = self._reap()
        dead = before - len(self.children)
        if dead:
            self.fast_deaths = self.fast_deaths + young if young == dead else 0

    def run(self, stopping):
        """Keep ``[api] workers`` workers alive until ``stopping`` is set; return an exit code."""
        port = self.sock.getsockname()[1]
        LOG.info('%s supervisor %d: %d workers on http://%s:%s/v2.1',
                 binaries.shown(self.conf, 'api'), os.getpid(),
                 self.conf.api.workers, self.conf.api.listen, port)
        while len(self.children) < self.conf.api.workers:
            self._spawn()
        code = 0
        while not stopping.wait(0.5):
            self._count_deaths()
            if self.fast_deaths >= MAX_FAST_DEATHS:
                LOG.critical('api workers keep dying at start; giving up')
                code = 1
                break
            while len(self.children) < self.conf.api.workers:
                self._spawn()
        self.stop()
        return code

    def stop(self):
        for proc, _ in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc, _ in self.children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                LOG.warning('api worker %d did not stop; killing it', proc.pid)
                proc.kill()
                proc.wait()
        self.children.clear()
        self.sock.close()
