"""[fake_driver] fail_instance_names: named instances' operations raise, others do not."""

import pytest

from cepheid.common import config
from cepheid.common import exception
from cepheid.compute import conf as compute_conf
from cepheid.compute.virt import fake


def _driver(names):
    conf = config.make_conf(compute_conf.register_opts)
    conf([])
    conf.set_override('fail_instance_names', names, group='fake_driver')
    return fake.FakeDriver(conf)


def _instance(name):
    return {'uuid': f'uuid-{name}', 'display_name': name}


def test_name_with_operation_fails_only_that_operation():
    driver = _driver(['vm-a:reboot', 'vm-a:pause'])
    vm = _instance('vm-a')
    driver.spawn(vm)
    driver.suspend(vm)
    driver.resume(vm)
    for call in (lambda: driver.reboot(vm, 'HARD'), lambda: driver.pause(vm)):
        with pytest.raises(exception.VirtDriverError, match='fail_instance_names'):
            call()
    assert [c.method for c in driver.calls] == ['spawn', 'suspend', 'resume']


def test_bare_name_fails_every_operation_and_others_run():
    driver = _driver(['vm-b:pause', 'vm-b'])
    with pytest.raises(exception.VirtDriverError):
        driver.spawn(_instance('vm-b'))
    driver.spawn(_instance('vm-c'))
    driver.pause(_instance('vm-c'))
    assert [c.method for c in driver.calls] == ['spawn', 'pause']
