"""Request schemas and Nova's validation messages."""

import pytest

from cepheid.api import microversion
from cepheid.api import validation
from cepheid.api.schemas import server_actions
from cepheid.api.schemas import servers
from cepheid.common import exception


def _message(schema, body):
    with pytest.raises(exception.ValidationError) as info:
        validation.validate(schema, body)
    assert info.value.code == 400
    return info.value.format_message()


@pytest.mark.parametrize('reboot_type', ['HARD', 'Soft', 'soft', 'SOFT', 'Hard', 'hard'])
def test_reboot_types_accepted(reboot_type):
    body = {'reboot': {'type': reboot_type}}
    assert validation.validate(server_actions.reboot, body) is body


def test_reboot_bad_type_message_is_novas():
    assert _message(server_actions.reboot, {'reboot': {'type': 'foo'}}) == (
        "Invalid input for field/attribute type. Value: foo. 'foo' is not one of "
        "['HARD', 'Soft', 'soft', 'SOFT', 'Hard', 'hard']")


def test_top_level_errors_have_no_field_prefix():
    assert _message(server_actions.reboot, {}) == "'reboot' is a required property"


def test_reboot_extra_key_is_refused():
    assert 'Additional properties' in _message(
        server_actions.reboot, {'reboot': {'type': 'HARD', 'x': 1}})


@pytest.mark.parametrize('name', ['', ' lead', 'trail ', 'x' * 256, 'a\x01b'])
def test_server_name_rules(name):
    body = {'server': {'name': name, 'flavorRef': '1'}}
    assert _message(servers.create, body).startswith(
        'Invalid input for field/attribute name.')


def test_description_only_from_219():
    body = {'server': {'name': 'a', 'flavorRef': 1, 'description': 'd'}}
    schema_21 = servers.create_schema(microversion.APIVersion(2, 18))
    schema_219 = servers.create_schema(microversion.APIVersion(2, 19))
    assert 'Additional properties' in _message(schema_21, body)
    assert validation.validate(schema_219, body) is body


def test_lock_reason_bounds_from_273():
    assert validation.validate(server_actions.lock_v273, {'lock': None})
    assert validation.validate(server_actions.lock_v273, {'lock': {'locked_reason': 'r'}})
    assert 'locked_reason' in _message(server_actions.lock_v273,
                                       {'lock': {'locked_reason': ''}})


def _valid(schema, body):
    try:
        validation.validate(schema, body)
    except exception.ValidationError:
        return False
    return True


def test_tags_at_create_from_252_and_nova_tag_rules():
    from cepheid.api.schemas import server_tags
    body = {'server': {'name': 'a', 'flavorRef': '1', 'tags': ['x']}}
    for version, ok in (('2.51', False), ('2.52', True), ('2.89', True), ('2.90', True)):
        schema = servers.create_schema(microversion.APIVersion.parse(version))
        assert _valid(schema, body) is ok, version
    assert _valid(server_tags.update_all, {'tags': ['a' * 60]})
    for bad in (['a' * 61], ['a,b'], ['a/b'], [''], ['t'] * 51, [1]):
        assert not _valid(server_tags.update_all, {'tags': bad}), bad
    assert _valid(server_tags.update, None)
    assert not _valid(server_tags.update, {})


def test_external_event_names_per_microversion():
    from cepheid.api.schemas import server_external_events as events
    names = {v: events.event_names(microversion.APIVersion.parse(v))
             for v in ('2.1', '2.51', '2.76', '2.82', '2.90')}
    assert names['2.1'] == ['network-changed', 'network-vif-plugged',
                            'network-vif-unplugged', 'network-vif-deleted']
    assert names['2.51'][4:] == ['volume-extended']
    assert names['2.76'][5:] == ['power-update']
    assert names['2.90'] == names['2.82'] == names['2.76'] + ['accelerator-request-bound']
    assert 'volume-reimaged' not in names['2.90']
