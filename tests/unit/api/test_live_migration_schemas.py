"""os-migrateLive and force_complete bodies: Nova's schemas per microversion."""

import pytest

from cepheid.api import validation
from cepheid.api.schemas import migrations
from cepheid.api.schemas import server_actions
from cepheid.common import exception


def _valid(version, value):
    schema = server_actions.by_action(version)['os-migrateLive']
    body = {'os-migrateLive': value}
    try:
        validation.validate(schema, body)
    except exception.ValidationError:
        return False
    return True


@pytest.mark.parametrize('version, value, valid', [
    # 2.1-2.24: all three keys, booleans only.
    ('2.1', {'block_migration': False, 'disk_over_commit': False, 'host': None}, True),
    ('2.24', {'block_migration': 'true', 'disk_over_commit': '0', 'host': 'h-1.x'}, True),
    ('2.24', {'block_migration': 'auto', 'disk_over_commit': False, 'host': None}, False),
    ('2.24', {'block_migration': False, 'host': None}, False),
    ('2.24', {'block_migration': False, 'disk_over_commit': False}, False),
    # 2.25: disk_over_commit gone, "auto" allowed.
    ('2.25', {'block_migration': 'auto', 'host': None}, True),
    ('2.25', {'block_migration': False, 'disk_over_commit': False, 'host': None}, False),
    ('2.25', {'block_migration': 'auto', 'host': None, 'force': True}, False),
    # 2.30-2.67: force.
    ('2.30', {'block_migration': 'auto', 'host': 'h', 'force': True}, True),
    ('2.67', {'block_migration': 'auto', 'host': None, 'force': 'no'}, True),
    ('2.30', {'block_migration': 'auto', 'host': None, 'force': 'maybe'}, False),
    # 2.68: force gone.
    ('2.68', {'block_migration': 'auto', 'host': None, 'force': False}, False),
    ('2.90', {'block_migration': True, 'host': None}, True),
    # host: a string of host name characters, or null.
    ('2.90', {'block_migration': True, 'host': ''}, False),
    ('2.90', {'block_migration': True, 'host': 'bad host'}, False),
    ('2.90', {'block_migration': True, 'host': 'x' * 256}, False),
    ('2.90', {'block_migration': 'yes-please', 'host': None}, False),
    ('2.90', {'block_migration': True, 'host': None, 'extra': 1}, False),
])
def test_migrate_live_body_per_microversion(version, value, valid):
    assert _valid(version, value) is valid


def test_migrate_live_value_must_be_an_object():
    assert _valid('2.90', None) is False


@pytest.mark.parametrize('body, valid', [
    ({'force_complete': None}, True),
    ({'force_complete': {}}, False),
    ({}, False),
    ({'force_complete': None, 'other': None}, False),
])
def test_force_complete_body(body, valid):
    try:
        validation.validate(migrations.force_complete, body)
        assert valid
    except exception.ValidationError:
        assert not valid
