"""The libvirt driver's host uptime and guest diagnostics on test:///<tmp> (the contract)."""

import pytest

from cepheid.compute.virt.libvirt import diagnostics
from tests.fixtures import diagnostics_contract


class TestLibvirtDiagnostics(diagnostics_contract.DiagnosticsContract):
    @pytest.fixture
    def driver(self, libvirt_driver):
        return libvirt_driver


def test_host_uptime_line_reads_proc(tmp_path):
    (tmp_path / 'uptime').write_text('90061.52 170000.10\n')
    (tmp_path / 'loadavg').write_text('0.15 0.10 0.05 1/234 5678\n')
    line = diagnostics.host_uptime_line(str(tmp_path / 'uptime'), str(tmp_path / 'loadavg'))
    assert ' up 1 day,  1:01, ' in line and line.endswith('load average: 0.15, 0.10, 0.05')
