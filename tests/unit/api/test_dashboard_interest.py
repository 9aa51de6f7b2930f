"""The dashboard's lease: fresh for LEASE_SECONDS after a renewal, never shortened or
stretched past its cap, and renewed in the other processes at most every RENEW_SECONDS."""

from cepheid.api.dashboard import interest as interest_mod


class Clock:
    def __init__(self):
        self.now = 50.0

    def __call__(self):
        return self.now


def test_nobody_watches_until_a_renewal():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    assert not interest.watched()
    interest.renew()
    clock.now += interest_mod.LEASE_SECONDS - 0.1
    assert interest.watched()
    clock.now += 0.2
    assert not interest.watched()


def test_a_shorter_renewal_does_not_cut_a_lease():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    interest.renew(100)
    interest.renew(1)
    clock.now += 50
    assert interest.watched()


def test_a_renewal_is_capped_and_a_negative_one_is_none():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    interest.renew(-5)
    assert not interest.watched()
    interest.renew(10 ** 9)
    clock.now += interest_mod.MAX_LEASE_SECONDS + 1
    assert not interest.watched()


def test_the_others_are_told_at_most_every_renew_seconds_unless_now():
    clock = Clock()
    interest = interest_mod.Interest(clock)
    assert interest.due()
    clock.now += interest_mod.RENEW_SECONDS - 1
    assert not interest.due()
    assert interest.due(now=True)
    clock.now += interest_mod.RENEW_SECONDS
    assert interest.due()
