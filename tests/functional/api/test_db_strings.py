"""Strings a database must not see are refused centrally with a 400 (SQLite here; the same
requests run against PostgreSQL and MariaDB in tests/integration/test_db_backends_api.py)."""

import pytest

from tests.fixtures import db_strings


@pytest.mark.parametrize('method,path,body',
                         [case[1:] for case in db_strings.BAD_REQUESTS],
                         ids=[case[0] for case in db_strings.BAD_REQUESTS])
def test_string_unfit_for_the_database_is_400(stack, client, server, method, path, body):
    message = db_strings.assert_bad_request(
        stack.endpoint, method, path.format(server=server['id']), body)
    assert '\x00' not in message


def test_messages_name_the_parameter_and_the_cause(stack, server):
    check = db_strings.assert_bad_request
    assert check(stack.endpoint, 'GET', '/servers?marker=%00', None) == (
        'Invalid input for query parameters marker. Value contains a NUL character.')
    assert check(stack.endpoint, 'GET', '/servers?name=%ff', None) == (
        'Invalid input for query parameters: not valid UTF-8.')
    assert check(stack.endpoint, 'GET', f'/servers?host={db_strings.LONG}', None) == (
        'Invalid input for query parameters host. Value is longer than 255 characters.')
    assert check(stack.endpoint, 'POST', '/servers', db_strings.LONE_SURROGATE) == (
        'Invalid input for field/attribute name. Value is not valid Unicode (a lone surrogate).')


def test_fit_strings_still_pass(stack, client, server):
    status, body = client.get('/servers?name=%E2%9C%93vm&marker=' + server['id'])
    assert status == 200, body
    status, body = client.post('/servers', {'server': {'name': 'vm-\u2713\U0001F600',
                                                       'flavorRef': '1'}})
    assert status == 202, body
