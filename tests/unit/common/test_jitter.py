"""common.jitter: first runs of periodic tasks spread over their interval."""

from cepheid.common import jitter


def test_first_delays_spread_over_the_whole_interval():
    delays = [jitter.first_delay(600) for _ in range(2000)]
    assert all(0 <= d < 600 for d in delays)
    assert min(delays) < 30 and max(delays) > 570     # spread, not bunched


def test_no_interval_means_no_delay():
    assert jitter.first_delay(0) == 0.0
