"""Nova's audit periods: the most recently *completed* period of ``[DEFAULT]
instance_usage_audit_period`` (``hour``, ``day``, ``month`` or ``year``, optionally with an
offset: ``day@18`` starts days at 18:00 UTC, ``month@15`` months on the 15th, ``year@3``
years on March 1st). Times are naive UTC datetimes.
"""

import datetime

from oslo_utils import timeutils

UNITS = ('hour', 'day', 'month', 'year')


def parse_unit(unit):
    """(unit, offset) of ``unit`` (``month@15`` → ('month', 15)); ValueError if invalid."""
    name, _, offset = unit.partition('@')
    if name not in UNITS:
        raise ValueError('Time period must be hour, day, month or year')
    return name, int(offset) if offset else 0


def _month_before(year, month):
    return (year - 1, 12) if month == 1 else (year, month - 1)


def last_completed(unit, before=None):
    """(begin, end) of the last period of ``unit`` ended before ``before`` (default now)."""
    name, offset = parse_unit(unit)
    now = before if before is not None else timeutils.utcnow()
    if name == 'hour':
        end = now.replace(minute=offset, second=0, microsecond=0)
        if end >= now:
            end -= datetime.timedelta(hours=1)
        return end - datetime.timedelta(hours=1), end
    if name == 'day':
        end = datetime.datetime(now.year, now.month, now.day, offset)
        if end >= now:
            end -= datetime.timedelta(days=1)
        return end - datetime.timedelta(days=1), end
    offset = offset or 1
    if name == 'month':
        end = datetime.datetime(now.year, now.month, offset)
        if end >= now:
            end = datetime.datetime(*_month_before(now.year, now.month), offset)
        return datetime.datetime(*_month_before(end.year, end.month), offset), end
    end = datetime.datetime(now.year, offset, 1)
    if end >= now:
        end = datetime.datetime(now.year - 1, offset, 1)
    return datetime.datetime(end.year - 1, offset, 1), end
