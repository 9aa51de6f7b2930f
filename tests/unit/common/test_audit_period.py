"""Nova's last completed audit period, for each unit and offset."""

import datetime as dt

import pytest

from cepheid.common import audit_period

NOW = dt.datetime(2026, 3, 15, 10, 30, 0)


@pytest.mark.parametrize('unit, begin, end', [
    ('hour', dt.datetime(2026, 3, 15, 9), dt.datetime(2026, 3, 15, 10)),
    ('hour@45', dt.datetime(2026, 3, 15, 8, 45), dt.datetime(2026, 3, 15, 9, 45)),
    ('day', dt.datetime(2026, 3, 14), dt.datetime(2026, 3, 15)),
    ('day@18', dt.datetime(2026, 3, 13, 18), dt.datetime(2026, 3, 14, 18)),
    ('month', dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 1)),
    ('month@20', dt.datetime(2026, 1, 20), dt.datetime(2026, 2, 20)),
    ('year', dt.datetime(2025, 1, 1), dt.datetime(2026, 1, 1)),
    ('year@6', dt.datetime(2024, 6, 1), dt.datetime(2025, 6, 1)),
])
def test_last_completed_period(unit, begin, end):
    assert audit_period.last_completed(unit, before=NOW) == (begin, end)


def test_month_across_the_new_year():
    assert audit_period.last_completed('month', before=dt.datetime(2026, 1, 10)) == (
        dt.datetime(2025, 12, 1), dt.datetime(2026, 1, 1))
    assert audit_period.last_completed('month', before=dt.datetime(2026, 1, 1)) == (
        dt.datetime(2025, 11, 1), dt.datetime(2025, 12, 1))


def test_a_period_ending_exactly_now_is_not_completed():
    assert audit_period.last_completed('day', before=dt.datetime(2026, 3, 15)) == (
        dt.datetime(2026, 3, 13), dt.datetime(2026, 3, 14))


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        audit_period.parse_unit('week')
