"""After a reconnect: report every guest's power state again (events of the outage are lost)."""

import libvirt
from oslo_log import log as logging

from cepheid.compute.virt.libvirt import power

LOG = logging.getLogger(__name__)


def power_states(conn):
    """``[(uuid, power_state)]`` of every domain on ``conn``, read afresh."""
    found = []
    for dom in conn.listAllDomains():
        try:
            state, _reason = dom.state()
            saved = state == libvirt.VIR_DOMAIN_SHUTOFF and bool(dom.hasManagedSaveImage())
            found.append((dom.UUIDString(), power.from_domain_state(state, saved)))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
            # Undefined between the listing and the read: nothing to report.
    return found


def resync(host, notify):
    """Call ``notify(uuid, power_state)`` for each guest of ``host``; return how many.

    Runs right after a reconnect, so lifecycle events libvirtd sent (or never could)
    while the connection was down are made up now rather than at the next periodic sync.
    """
    guests = host.call(power_states)
    for uuid, power_state in guests:
        notify(uuid, power_state)
    LOG.info('Resynced the power state of %d guests after reconnecting to %s',
             len(guests), host.uri)
    return len(guests)
