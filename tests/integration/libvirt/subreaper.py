"""Run a command under a child subreaper that reaps orphans at once (libvirtd waits on QEMU).

Usage: python subreaper.py [--linger] COMMAND [ARGS...]. SIGTERM/SIGINT are forwarded to
COMMAND; the launcher exits with COMMAND's exit code once COMMAND has exited, or with
``--linger`` once every orphan it adopted (QEMU, which libvirtd daemonizes) has exited too,
so a restarted libvirtd's guests keep being reaped at once.
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


def _reap_until(main_pid, linger=False):
    """Reap every child (orphans included) until ``main_pid`` exits (with ``linger``: until
    no child is left); return its code."""
    code = 1
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return code
        if pid == main_pid:
            code = os.waitstatus_to_exitcode(status)
            if not linger:
                return code


def main(argv):
    linger = bool(argv) and argv[0] == '--linger'
    if linger:
        argv = argv[1:]
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

    def _forward(sig, _frame):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            sys.exit(0)     # COMMAND is gone: a lingering launcher just stops reaping

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _forward)
    return _reap_until(pid, linger)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
