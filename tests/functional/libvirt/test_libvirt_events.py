"""Tier 1: lifecycle events reach the listener and wake waiting threads."""

import threading

import libvirt
import pytest

from cepheid.common import states
from cepheid.compute.virt.libvirt import power
from tests.fixtures import driver_contract


@pytest.fixture
def recorder(libvirt_driver):
    recorder = driver_contract.EventRecorder()
    libvirt_driver.register_event_listener(recorder)
    return recorder


@pytest.fixture
def guest(libvirt_driver):
    instance = driver_contract.make_instance()
    libvirt_driver.spawn(instance)
    yield instance
    libvirt_driver.destroy(instance)


def _domain(drv, uuid):
    return drv.host.call(lambda conn: conn.lookupByUUIDString(uuid))


def test_changes_made_outside_the_driver_are_reported(libvirt_driver, recorder, guest):
    dom = _domain(libvirt_driver, guest['uuid'])
    dom.destroy()
    assert recorder.wait_for(guest['uuid'], states.SHUTDOWN)
    dom.create()
    dom.suspend()
    assert recorder.wait_for(guest['uuid'], states.PAUSED_POWER)


def test_soft_reboot_reports_the_stop_and_the_start(libvirt_driver, recorder, guest):
    libvirt_driver.reboot(guest, 'SOFT')
    assert recorder.wait_for(guest['uuid'], states.SHUTDOWN)
    assert driver_contract.wait_until(
        lambda: recorder.events[-1] == (guest['uuid'], states.RUNNING))


def test_an_event_wakes_a_waiter_long_before_its_poll_interval(libvirt_driver, guest):
    libvirt_driver.power_off(guest)
    libvirt_driver.poll_interval = 60
    result = []
    thread = threading.Thread(
        target=lambda: result.append(libvirt_driver.wait_for_running(guest['uuid'], 30)),
        daemon=True)
    thread.start()
    assert driver_contract.wait_until(lambda: libvirt_driver.waiter.is_waiting(guest['uuid']))
    _domain(libvirt_driver, guest['uuid']).create()
    thread.join(10)
    [state] = result
    assert state is not None and state.running   # the GuestState its wait read


@pytest.mark.parametrize('event, detail, expected', [
    (libvirt.VIR_DOMAIN_EVENT_STARTED, 0, states.RUNNING),
    (libvirt.VIR_DOMAIN_EVENT_RESUMED, 0, states.RUNNING),
    (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, 0, states.PAUSED_POWER),
    (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN,
     states.SHUTDOWN),
    (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED,
     states.SUSPENDED_POWER),
    (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED,
     states.CRASHED),
    (libvirt.VIR_DOMAIN_EVENT_CRASHED, 0, states.CRASHED),
    (libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED, 0, states.SUSPENDED_POWER),
    (libvirt.VIR_DOMAIN_EVENT_DEFINED, 0, None),
    (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, 0, None),
])
def test_event_to_power_state(event, detail, expected):
    assert power.from_event(event, detail) == expected


@pytest.mark.parametrize('state, saved, expected', [
    (libvirt.VIR_DOMAIN_RUNNING, False, states.RUNNING),
    (libvirt.VIR_DOMAIN_PAUSED, False, states.PAUSED_POWER),
    (libvirt.VIR_DOMAIN_SHUTDOWN, False, states.SHUTDOWN),
    (libvirt.VIR_DOMAIN_SHUTOFF, False, states.SHUTDOWN),
    (libvirt.VIR_DOMAIN_SHUTOFF, True, states.SUSPENDED_POWER),
    (libvirt.VIR_DOMAIN_CRASHED, False, states.CRASHED),
    (libvirt.VIR_DOMAIN_PMSUSPENDED, False, states.SUSPENDED_POWER),
    (libvirt.VIR_DOMAIN_NOSTATE, False, states.NOSTATE),
])
def test_domain_state_to_power_state(state, saved, expected):
    assert power.from_domain_state(state, saved) == expected
