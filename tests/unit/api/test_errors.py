"""Fault names and messages of the error mapping."""

import pytest

from cepheid.api import errors
from cepheid.common import exception


@pytest.mark.parametrize('code,name', [
    (400, 'badRequest'), (401, 'unauthorized'), (403, 'forbidden'), (404, 'itemNotFound'),
    (405, 'badMethod'), (409, 'conflictingRequest'), (413, 'overLimit'),
    (415, 'badMediaType'), (500, 'computeFault'), (503, 'serviceUnavailable'),
    (406, 'computeFault'),
])
def test_fault_names_are_novas(code, name):
    assert errors.fault_body(code, 'm') == {name: {'code': code, 'message': 'm'}}


def test_domain_messages_are_shown_below_500():
    exc = exception.InstanceIsLocked(instance_uuid='u1')
    assert errors.message_for(exc) == 'Instance u1 is locked'
    assert errors.message_for(exception.NoValidHost(reason='x')) == (
        'No valid host was found. x')


def test_500_domain_errors_are_generic():
    message = errors.message_for(exception.HypervisorUnavailable(host='h1'))
    assert message.startswith('Unexpected API Error.')
    assert 'h1' not in message
