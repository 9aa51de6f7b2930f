"""Issue 15: the "lost" event of a HARD reboot merged into the one in progress.

A HARD request accepted while an earlier HARD one has not begun (task_state still
``rebooting_hard``) changes nothing the server shows; the compute queues it behind the
earlier one and records its event — Error, "merged into the HARD reboot already in
progress" — when it reaches it, after the earlier reboot ended. So the server is ACTIVE
and idle *before* that event exists: reading the events at "idle"
(tests/integration/faults/test_superseded_events.py did) can miss it, the more often the
longer the compute's report waits (group commit). Nothing is lost; a reader waits for
the events themselves. Here the merged request's begin is held to pin that ordering.
"""

import threading

from tests.fixtures import http
from tests.fixtures import power_stack
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server

EVENT = 'compute_reboot_instance'


class HeldBegin:
    """Hold the compute's ``begin`` report of one request (a reboot's, which may carry
    its next step: ``begin_advancing``) until ``release()``."""

    def __init__(self, conductor, request_id):
        self.entered, self._release = threading.Event(), threading.Event()
        self._conductor, original = conductor, conductor.begin_advancing

        def begin(context, *args, **kwargs):
            if context.request_id == request_id:
                self.entered.set()
                self._release.wait(60)
            return original(context, *args, **kwargs)
        conductor.begin_advancing = begin

    def release(self):
        self._release.set()
        vars(self._conductor).pop('begin_advancing', None)


def _reboot(client, uuid, reboot_type):
    return client.post(f'/servers/{uuid}/action', {'reboot': {'type': reboot_type}})[0]


def _compute_of(stack, uuid):
    return next(c for c in stack.computes.values() if uuid in c.driver.guests)


def _reboot_requests(client, uuid):
    """Request ids of the server's reboots, oldest first."""
    actions = client.get(f'/servers/{uuid}/os-instance-actions')[1]['instanceActions']
    return [a['request_id'] for a in reversed(actions) if a['action'] == 'reboot']


def _events(client, uuid, request_id):
    body = client.get(f'/servers/{uuid}/os-instance-actions/{request_id}',
                      token=http.ADMIN)[1]
    return [(e['event'], e['result'], e['details'])
            for e in body['instanceAction']['events'] if e['event'] == EVENT]


def test_merged_hard_reboot_records_its_event_after_the_server_is_idle(stack, client,
                                                                         server):
    uuid = server['id']
    compute = _compute_of(stack, uuid)
    with power_stack.Gate(compute.driver, 'reboot') as gate:
        assert _reboot(client, uuid, 'SOFT') == 202
        gate.wait_entered()                             # the soft reboot is in the driver
        assert _reboot(client, uuid, 'HARD') == 202     # overtakes it, queued behind it
        assert _reboot(client, uuid, 'HARD') == 202     # merged: the first has not begun
        soft, hard, merged = _reboot_requests(client, uuid)
        held = HeldBegin(compute.conductor, merged)
    try:
        wait_for_server(client, uuid, idle)
        assert held.entered.wait(20)
        # ACTIVE and idle, and the merged request has no event yet: what a reader that
        # stops at "idle" saw as a lost event.
        assert _events(client, uuid, merged) == []
        assert _events(client, uuid, hard) == [(EVENT, 'Success', None)]
    finally:
        held.release()
    power_stack.wait_until(lambda: _events(client, uuid, merged))
    assert _events(client, uuid, merged) == [
        (EVENT, 'Error', 'merged into the HARD reboot already in progress')]
    assert _events(client, uuid, soft) == [(EVENT, 'Success', None)]
    assert wait_for_server(client, uuid, idle)['OS-EXT-STS:power_state'] == 1
