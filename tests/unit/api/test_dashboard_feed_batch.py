"""The dashboard feed casts the instance changes queued together as one message (only while
someone watches), and every api process's endpoint puts them into its hub."""

from cepheid.api.dashboard import feed
from cepheid.api.dashboard import hub as hub_mod
from cepheid.api.dashboard import interest as interest_mod
from cepheid.api.dashboard import summaries


class RecordingClient:
    """What the publisher's fanout RPC client was asked to cast."""

    def __init__(self):
        self.sent = []

    def cast(self, ctxt, method, **kwargs):
        self.sent.append((method, kwargs))


def _row(uuid, task_state):
    return {'uuid': uuid, 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
            'vm_state': 'active', 'task_state': task_state, 'power_state': 1, 'host': 'h',
            'locked': False, 'updated_at': None, 'created_at': None}


def _summary(uuid, task_state):
    return summaries.from_row(_row(uuid, task_state))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _watched(clock=None):
    interest = interest_mod.Interest(clock or Clock())
    interest.renew()
    return interest


class Committed:
    """What a committed transaction hands the publisher: its changed instance rows."""

    def __init__(self, rows):
        self.info = {feed.db_instances.CHANGED: rows}


def _publisher_with_committed(*commits, interest=None):
    """A publisher (no thread) that saw ``commits`` (lists of rows), then was stopped;
    watched (a fresh lease) unless ``interest`` says otherwise."""
    publisher = feed.Publisher.__new__(feed.Publisher)
    publisher._client = publisher._renewals = RecordingClient()
    publisher._context = None
    publisher._interest = interest or _watched()
    publisher.sent = 0
    publisher._init_queue()
    publisher._running = True
    for rows in commits:
        publisher._committed(Committed(rows))
    publisher._running, publisher._stopping = False, True
    return publisher


def test_changes_queued_together_go_as_one_message():
    publisher = _publisher_with_committed([_row('u0', 'rebooting')],
                                          [_row('u1', 'rebooting'), _row('u2', 'rebooting')])
    publisher._run()
    changes = [_summary(f'u{n}', 'rebooting') for n in range(3)]
    assert publisher._client.sent == [(feed.METHOD, {'instances': changes})]


def test_a_lone_change_is_a_list_of_one():
    publisher = _publisher_with_committed([_row('u1', 'rebooting')])
    publisher._run()
    assert publisher._client.sent == [(feed.METHOD, {'instances': [_summary('u1', 'rebooting')]})]


def test_a_message_carries_at_most_max_batch_changes():
    rows = [_row(f'u{n}', None) for n in range(feed.MAX_BATCH + 1)]
    publisher = _publisher_with_committed(rows)
    publisher._run()
    sizes = [len(kwargs['instances']) for _, kwargs in publisher._client.sent]
    assert sizes == [feed.MAX_BATCH, 1]


def test_a_change_committed_before_start_is_not_sent():
    publisher = _publisher_with_committed()
    publisher._running = False
    publisher._committed(Committed([_row('u1', None)]))
    publisher._run()
    assert publisher._client.sent == []


def test_the_endpoint_puts_every_change_into_the_hub():
    hub = hub_mod.Hub()
    endpoint = feed.ChangesEndpoint(hub, live=True, interest=_watched())
    endpoint.instances_changed({}, instances=[_summary('u1', 'rebooting')])
    endpoint.instances_changed({}, instances=[_summary('u2', 'rebooting'), _summary('u3', None)])
    assert [hub.latest(u)['task_state'] for u in ('u1', 'u2', 'u3')] == [
        'rebooting', 'rebooting', None]


def test_an_api_without_a_live_feed_drops_the_changes():
    hub = hub_mod.Hub()
    feed.ChangesEndpoint(hub, live=False, interest=_watched()).instances_changed(
        {}, instances=[_summary('u1', 'rebooting')])
    assert hub.latest('u1') is None


def test_nothing_is_cast_while_nobody_watches():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    publisher = _publisher_with_committed([_row('u1', 'rebooting')], interest=interest)
    publisher._run()
    assert publisher._client.sent == [] and publisher.sent == 0


def test_changes_are_cast_until_the_lease_runs_out():
    clock = Clock()
    interest = _watched(clock)
    publisher = _publisher_with_committed(interest=interest)
    publisher._running, publisher._stopping = True, False
    clock.now += interest_mod.LEASE_SECONDS - 1
    publisher._committed(Committed([_row('u1', 'rebooting')]))
    clock.now += 2                       # the lease ran out: no stream renewed it
    publisher._committed(Committed([_row('u2', 'rebooting')]))
    publisher._stopping = True
    publisher._run()
    assert publisher._client.sent == [(feed.METHOD, {'instances': [_summary('u1', 'rebooting')]})]


def test_a_renewal_from_another_process_starts_the_casts_here():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    endpoint = feed.ChangesEndpoint(hub_mod.Hub(), live=True, interest=interest)
    assert not interest.watched()
    endpoint.dashboard_watched({}, seconds=30)
    assert interest.watched()
    clock.now += 31
    assert not interest.watched()


def test_the_renewal_goes_to_every_process_as_a_fanout_cast():
    publisher = _publisher_with_committed()
    publisher.renew_everywhere(30.0)
    assert publisher._renewals.sent == [(feed.WATCHED, {'seconds': 30.0})]
