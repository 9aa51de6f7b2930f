"""Two all-in-one stacks started one after the other in one process (as the functional
tests do) share nothing on the in-memory bus: a notification the first stack sent and
nobody consumed never reaches the second stack's consumers."""

from cepheid.demo import allinone
from tests.fixtures import http


def _keypair_events(recorder):
    return [(pub, et, p['nova_object.data']['name']) for _, pub, et, p in recorder.events
            if et.startswith('keypair.')]


def test_what_an_earlier_stack_left_on_the_bus_never_reaches_the_next():
    first = allinone.AllInOne(allinone.make_conf(compute_driver='fake'),
                              hosts=['compute1']).start()
    try:
        # Nobody listens any more: the first stack's notifications stay on its bus.
        first.recorder.listener.stop()
        first.recorder.listener.wait()
        status, body = http.Client(first.endpoint).post(
            '/os-keypairs', {'keypair': {'name': 'left-behind'}})
        assert status == 201, body
    finally:
        first.stop()

    second = allinone.AllInOne(allinone.make_conf(compute_driver='fake'),
                               hosts=['compute1']).start()
    try:
        status, body = http.Client(second.endpoint).post(
            '/os-keypairs', {'keypair': {'name': 'mine'}})
        assert status == 201, body
        second.recorder.wait_for(lambda evs: any(
            et == 'keypair.create.end' for _, _, et, _ in evs))
        assert [(et, name) for _, et, name in _keypair_events(second.recorder)] == [
            ('keypair.create.start', 'mine'), ('keypair.create.end', 'mine')]
    finally:
        second.stop()
