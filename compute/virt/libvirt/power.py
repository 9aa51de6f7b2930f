"""Translate libvirt domain states and lifecycle events into Cepheid power_state ints."""

import libvirt

from cepheid.common import states

_STATE_TO_POWER = {
    libvirt.VIR_DOMAIN_NOSTATE: states.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: states.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: states.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: states.PAUSED_POWER,
    libvirt.VIR_DOMAIN_SHUTDOWN: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: states.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: states.SUSPENDED_POWER,
}

# libvirt states in which the guest has stopped: the end of a soft shutdown.
STOPPED_STATES = frozenset({libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_CRASHED})


def from_domain_state(state, has_managed_save=False):
    """power_state for a libvirt state; a managed-saved shut-off domain is SUSPENDED."""
    if state == libvirt.VIR_DOMAIN_SHUTOFF and has_managed_save:
        return states.SUSPENDED_POWER
    return _STATE_TO_POWER.get(state, states.NOSTATE)


def from_event(event, detail):
    """power_state a lifecycle event announces, or None for events that change none."""
    if event in (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_RESUMED):
        return states.RUNNING
    if event == libvirt.VIR_DOMAIN_EVENT_SUSPENDED:
        return states.PAUSED_POWER
    if event == libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED:
        return states.SUSPENDED_POWER
    if event == libvirt.VIR_DOMAIN_EVENT_CRASHED:
        return states.CRASHED
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED:
        if detail == libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED:
            return states.SUSPENDED_POWER
        if detail == libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED:
            return states.CRASHED
        return states.SHUTDOWN
    return None
