"""Tier 2/3 fixtures: a real libvirtd (started under a subreaper when none runs), QEMU/TCG
guests, the tier 3 Linux guest image, and a timings recorder for the terminal summary."""

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.fixtures import driver_contract
from tests.integration.libvirt import helpers

try:
    import libvirt
except ImportError:
    # None of this directory's modules import without libvirt-python: leave them out and
    # say so in the report header (the integration tox env installs it).
    libvirt = None
    collect_ignore_glob = ['test_*.py']
else:
    # Probing for a daemon fails by design before it starts: keep libvirt off stderr.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

HERE = pathlib.Path(__file__).parent
URI = 'qemu:///system'
QEMU_CONF = pathlib.Path('/etc/libvirt/qemu.conf')
QEMU_SETTINGS = {'user': '"root"', 'group': '"root"', 'stdio_handler': '"file"'}
LIBVIRTD_LOG = pathlib.Path('/tmp/cepheid-libvirtd.log')
GUEST_CACHE = os.environ.get('CEPHEID_GUEST_CACHE', '/var/cache/cepheid-guest')


def pytest_report_header(config):
    if libvirt is None:
        return 'libvirt-python is not installed: tests/integration/libvirt not collected'
    return None


def pytest_terminal_summary(terminalreporter):
    if helpers.timings:
        terminalreporter.section('libvirt timings (seconds)')
        for name, seconds in sorted(helpers.timings.items()):
            terminalreporter.write_line(f'{name:45s} {seconds:8.3f}')
        terminalreporter.write_line(f'(also in {helpers.TIMINGS_FILE})')


# -- the daemon ---------------------------------------------------------------------
def _missing_tools():
    missing = [tool for tool in ('libvirtd', 'qemu-system-x86_64') if not shutil.which(tool)]
    if missing:
        return ('%s not installed: apt-get install -y --no-install-recommends '
                'libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86' % ', '.join(missing))
    if os.geteuid() != 0:
        return 'starting libvirtd for qemu:///system needs root'
    return None


def _reachable():
    try:
        libvirt.open(URI).close()
    except libvirt.libvirtError:
        return False
    return True


def _ensure_qemu_user():
    if subprocess.run(['getent', 'passwd', 'libvirt-qemu'], capture_output=True).returncode:
        subprocess.run(['groupadd', '-r', '-f', 'libvirt-qemu'], check=True)
        subprocess.run(['useradd', '-r', '-g', 'libvirt-qemu', '-d', '/var/lib/libvirt',
                        '-s', '/usr/sbin/nologin', 'libvirt-qemu'], check=True)


def _write_qemu_conf():
    """Set user/group root and stdio_handler file, keeping any other settings."""
    lines = QEMU_CONF.read_text().splitlines() if QEMU_CONF.exists() else []
    wanted = [f'{key} = {value}' for key, value in QEMU_SETTINGS.items()]
    if all(line in lines for line in wanted):
        return
    backup = QEMU_CONF.with_name('qemu.conf.cepheid-orig')
    if QEMU_CONF.exists() and not backup.exists():
        shutil.copy2(QEMU_CONF, backup)
    kept = [line for line in lines if line.split('=')[0].strip() not in QEMU_SETTINGS]
    QEMU_CONF.parent.mkdir(parents=True, exist_ok=True)
    QEMU_CONF.write_text('\n'.join(kept + wanted) + '\n')


def _running_daemons():
    """``pid (parent pid): command line`` of each libvirtd on the machine: who runs the
    daemon the suite found already answering."""
    found = []
    for entry in pathlib.Path('/proc').iterdir():
        try:
            cmdline = (entry / 'cmdline').read_bytes().replace(b'\0', b' ').decode().strip()
            stat = (entry / 'stat').read_text()
        except (OSError, ValueError):
            continue
        if 'libvirtd' in cmdline.split(' ', 1)[0]:
            parent = stat.rsplit(')', 1)[1].split()[1]
            found.append(f'{entry.name} (parent {parent}): {cmdline}')
    return '; '.join(found) or 'no libvirtd process (another daemon answers)'


class LibvirtDaemon:
    """libvirtd run as the child of tests/integration/libvirt/subreaper.py."""

    def __init__(self):
        self.proc = None
        self.found = None        # who ran the daemon this suite found answering

    @property
    def started_by_us(self):
        return self.proc is not None

    def start(self, timeout=60):
        os.makedirs('/var/log/libvirt', exist_ok=True)
        _ensure_qemu_user()
        _write_qemu_conf()
        with open(LIBVIRTD_LOG, 'ab') as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / 'subreaper.py'), 'libvirtd'],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if not driver_contract.wait_until(self._up, timeout=timeout, interval=0.1):
            self.stop()
            pytest.fail(f'libvirtd did not come up in {timeout} s; see {LIBVIRTD_LOG}')

    def _up(self):
        if self.proc.poll() is not None:
            pytest.fail(f'libvirtd exited with {self.proc.returncode}; see {LIBVIRTD_LOG}')
        return _reachable()

    def stop(self, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def restart(self):
        self.stop()
        self.start()


def _destroy_leftovers(base_dir):
    """Remove guests a failed test left behind (only those whose files live under
    ``base_dir``), so the next tests run one guest at a time."""
    conn = libvirt.open(URI)
    try:
        for dom in conn.listAllDomains():
            try:
                if str(base_dir) in dom.XMLDesc():
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
            except libvirt.libvirtError as exc:
                # Gone since it was listed (its compute, stopping, removed a transient
                # guest; another test's teardown removed its own): nothing left to remove.
                if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                    raise
    finally:
        conn.close()


@pytest.fixture(scope='session')
def libvirtd(tmp_path_factory):
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    daemon = LibvirtDaemon()
    if _reachable():
        daemon.found = _running_daemons()
    else:
        daemon.start()
    try:
        yield daemon
    finally:
        if _reachable():
            _destroy_leftovers(tmp_path_factory.getbasetemp())
        daemon.stop()


# -- drivers and guests ------------------------------------------------------------------
@pytest.fixture
def qemu_conf(libvirtd, tmp_path, linux_guest_image):
    # The contract's images are the tier 3 Linux guest, ignoring ACPI as a guest without
    # an OS does (so the reboot contract sees the same guest behaviour as before).
    catalog = driver_contract.make_image_catalog(
        tmp_path / 'images', kernel=linux_guest_image / 'vmlinuz',
        initrd=linux_guest_image / 'initrd.gz', cmdline_extra='ignore_acpi')
    return driver_contract.make_conf(
        connection_uri=URI,
        instances_path=str(tmp_path / 'instances'),
        images_path=str(catalog),
        wait_soft_reboot_seconds=2,
        wait_running_seconds=30,
    )


@pytest.fixture
def qemu_driver(qemu_conf, tmp_path):
    from cepheid.compute.virt.libvirt import driver as libvirt_driver_mod

    drv = libvirt_driver_mod.LibvirtDriver(qemu_conf)
    drv.init_host('integration-host')
    yield drv
    drv.cleanup_host('integration-host')
    _destroy_leftovers(tmp_path)


@pytest.fixture(scope='session')
def linux_guest_image(libvirtd):
    """Directory with ``vmlinuz`` and ``initrd.gz`` (built once, cached by kernel version)."""
    start = time.monotonic()
    result = subprocess.run(['sh', str(HERE / 'build_guest.sh'), GUEST_CACHE],
                            capture_output=True, text=True, timeout=600)
    if result.returncode:
        pytest.fail(f'building the test guest failed:\n{result.stderr}')
    helpers.record_timing('guest_image_build_or_cache_hit', time.monotonic() - start)
    return pathlib.Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def private_libvirtds():
    """``start()`` gives a started private libvirtd (private_daemon.py) of the test's own;
    several run side by side (own socket, state and definitions each)."""
    from tests.integration.libvirt import private_daemon

    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    if subprocess.run(['unshare', '-m', 'true'], capture_output=True).returncode:
        pytest.skip('a private libvirtd needs a mount namespace (unshare -m) here')
    _ensure_qemu_user()
    _write_qemu_conf()
    daemons = []

    def start():
        daemons.append(private_daemon.PrivateLibvirtd())
        daemons[-1].start()
        return daemons[-1]
    try:
        yield start
    finally:
        for daemon in daemons:
            daemon.close()
