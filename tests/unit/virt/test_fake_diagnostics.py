"""The fake driver's host uptime and diagnostics: the contract, and its own counters."""

import time

import pytest

from cepheid.compute.virt import diagnostics
from cepheid.compute.virt import fake
from tests.fixtures import diagnostics_contract
from tests.fixtures import driver_contract


@pytest.fixture
def driver():
    drv = fake.FakeDriver(driver_contract.make_conf())
    drv.init_host('contract-host')
    yield drv
    drv.cleanup_host('contract-host')


class TestFakeDiagnostics(diagnostics_contract.DiagnosticsContract):
    pass


def test_every_boot_adds_to_the_disk_counters(driver):
    instance = driver_contract.make_instance()
    driver.spawn(instance)
    first = driver.get_instance_diagnostics(instance)['disk_details'][0]
    driver.reboot(instance, 'HARD')
    second = driver.get_instance_diagnostics(instance)['disk_details'][0]
    assert first['read_requests'] == fake.BOOT_READS
    assert second['read_requests'] == 2 * fake.BOOT_READS
    assert second['write_bytes'] > first['write_bytes'] > 0
    assert driver.get_diagnostics(instance)['vda_read_req'] == 2 * fake.BOOT_READS


def test_host_uptime_counts_from_the_drivers_start(driver):
    driver.started_at = time.time() - (2 * 86400 + 3 * 3600 + 4 * 60)
    assert ' up 2 days,  3:04,  0 users,  load average: 0.00, 0.00, 0.00' in \
        driver.get_host_uptime()


@pytest.mark.parametrize('seconds, span', [(59, '0 min'), (300, '5 min'), (3700, ' 1:01'),
                                           (86400 + 60, '1 day, 1 min'),
                                           (3 * 86400 + 7200, '3 days,  2:00')])
def test_uptime_line_spans_as_procps_prints_them(seconds, span):
    line = diagnostics.uptime_line(seconds, now=0, users=1, load=(0.5, 0.25, 1))
    assert line.endswith(f' up {span},  1 user,  load average: 0.50, 0.25, 1.00')


def test_standardized_diagnostics_refuse_a_driver_outside_novas_enum():
    with pytest.raises(ValueError):
        diagnostics.instance_diagnostics(state='running', driver='fake')
