"""The context's ``timestamp`` on the bus: read and written exactly as Nova's ``strtime``."""

import datetime

import pytest
from oslo_utils import timeutils

from cepheid.common import context

STRTIME = '%Y-%m-%dT%H:%M:%S.%f'


@pytest.mark.parametrize('moment', [
    datetime.datetime(2026, 12, 2, 21, 30, 5, 123456),
    datetime.datetime(2026, 1, 1, 0, 0, 0, 0),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime.datetime(999, 5, 6, 7, 8, 9, 10),
    datetime.datetime(2026, 12, 2, 21, 30, 5, 7, tzinfo=datetime.UTC),
])
def test_written_as_strftime_writes_it(moment):
    assert context.format_timestamp(moment) == moment.strftime(STRTIME)


@pytest.mark.parametrize('text', [
    '2026-12-02T21:30:05.123456', '2026-01-01T00:00:00.000000', '9999-12-31T23:59:59.999999',
])
def test_read_as_strptime_reads_it(text):
    parsed = context.parse_timestamp(text)
    assert parsed == timeutils.parse_strtime(text, STRTIME)
    assert parsed.tzinfo is None


@pytest.mark.parametrize('text', [
    '2026-12-02 21:30:05.123456', '2026-12-02T21:30:05', '2026-12-02T21:30:05.123456+00:00',
    '2026-13-02T21:30:05.123456', 'yesterday',
])
def test_what_strptime_refuses_is_refused(text):
    with pytest.raises(ValueError):
        timeutils.parse_strtime(text, STRTIME)
    with pytest.raises(ValueError):
        context.parse_timestamp(text)


def test_a_context_round_trips_over_the_bus():
    sent = context.RequestContext(user_id='u', project_id='p', roles=['member'])
    received = context.RequestContext.from_dict(sent.to_dict())
    assert received.timestamp == sent.timestamp
    assert received.to_dict()['timestamp'] == sent.timestamp.strftime(STRTIME)
