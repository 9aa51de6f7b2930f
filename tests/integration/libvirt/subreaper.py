"""Run a command under a child subreaper that reaps orphans at once (libvirtd waits on QEMU).

Usage: python subreaper.py COMMAND [ARGS...]. SIGTERM/SIGINT are forwarded to COMMAND;
the launcher exits with COMMAND's exit code once COMMAND has exited.
"""

import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f'prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(errno)}')


def _reap_until(main_pid):
    """Reap every child (orphans included) until ``main_pid`` exits; return its code."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == main_pid:
            return os.waitstatus_to_exitcode(status)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    _become_subreaper()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda sig, _frame: os.kill(pid, sig))
    return _reap_until(pid)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
