"""A libvirtd of the test's own, which the test may stop and restart: its socket, state,
domain definitions and cache live in a private directory (bind-mounted over libvirt's
paths in a mount namespace), so no other libvirtd or test on the machine sees it."""

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

import libvirt

from tests.fixtures import driver_contract
from tests.fixtures import processes

HERE = pathlib.Path(__file__).parent
# libvirt path -> directory under the private base that replaces it.
_BINDS = {'/run/libvirt': 'run', '/var/lib/libvirt': 'lib', '/var/cache/libvirt': 'cache',
          '/etc/libvirt/qemu': 'etc-qemu'}


class PrivateLibvirtd:
    def __init__(self):
        # A short path: the socket's must fit in sun_path (108 bytes).
        self.base = pathlib.Path(tempfile.mkdtemp(prefix='cep-lvd-'))
        self.socket = self.base / 'sock' / 'libvirt-sock'
        self.uri = f'qemu:///system?socket={self.socket}'
        self.pid_file = self.base / 'libvirtd.pid'
        self.log = self.base / 'libvirtd.log'
        self.launchers = []
        self.pid = None
        (self.base / 'sock').mkdir()
        for target, name in _BINDS.items():
            os.makedirs(target, exist_ok=True)
            (self.base / name).mkdir()
        (self.base / 'libvirtd.conf').write_text(
            f'unix_sock_dir = "{self.socket.parent}"\n'
            'auth_unix_rw = "none"\nauth_unix_ro = "none"\n'
            # Its own host UUID: libvirt refuses to live migrate "to the same host".
            f'host_uuid = "{uuid.uuid4()}"\n')

    def _command(self):
        binds = '; '.join(f'mount --bind {self.base / name} {target}'
                          for target, name in _BINDS.items())
        return ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                f'{binds}; exec libvirtd -f {self.base / "libvirtd.conf"} '
                f'--pid-file {self.pid_file}']

    def start(self, timeout=60):
        """Start libvirtd and return once it answers; the launcher lingers to reap QEMU."""
        self.pid_file.unlink(missing_ok=True)
        with open(self.log, 'ab') as log:
            self.launchers.append(subprocess.Popen(
                [sys.executable, str(HERE / 'subreaper.py'), '--linger', *self._command()],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        launcher = self.launchers[-1]

        def _up():
            assert launcher.poll() is None, f'libvirtd exited; see {self.log}'
            return self.reachable()
        assert driver_contract.wait_until(_up, timeout=timeout, interval=0.05), \
            f'private libvirtd did not come up in {timeout} s; see {self.log}'
        self.pid = int(self.pid_file.read_text().strip())

    def reachable(self):
        try:
            libvirt.open(self.uri).close()
        except libvirt.libvirtError:
            return False
        return True

    def stop(self, timeout=30):
        """SIGTERM libvirtd and wait until it is gone (its guests keep running)."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        assert driver_contract.wait_until(lambda: not processes.alive(self.pid),
                                          timeout=timeout, interval=0.05), 'libvirtd did not stop'
        self.pid = None

    def qemu_pid(self, domain_name):
        return int((self.base / 'run' / 'qemu' / f'{domain_name}.pid').read_text().strip())

    def close(self):
        """Destroy every guest, stop libvirtd and the launchers, remove the directory."""
        if self.pid is not None:
            conn = libvirt.open(self.uri)
            try:
                for dom in conn.listAllDomains():
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
            finally:
                conn.close()
            self.stop()
        for launcher in self.launchers:
            if launcher.poll() is None:
                launcher.send_signal(signal.SIGTERM)
            try:
                launcher.wait(10)
            except subprocess.TimeoutExpired:
                launcher.kill()
        shutil.rmtree(self.base, ignore_errors=True)
