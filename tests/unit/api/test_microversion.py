"""Microversion header parsing and comparison."""

import pytest

from cepheid.api import microversion
from cepheid.common import exception


@pytest.mark.parametrize('headers,expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.19'}, '2.19'),
    ({'OpenStack-API-Version': 'placement 1.2, compute 2.60'}, '2.60'),
    ({'OpenStack-API-Version': 'compute LATEST'}, '2.90'),
    ({'X-OpenStack-Nova-API-Version': '2.9'}, '2.9'),
    ({'OpenStack-API-Version': 'placement 1.2'}, '2.1'),
])
def test_from_headers(headers, expected):
    assert microversion.from_headers(headers) == expected


@pytest.mark.parametrize('value', ['2', '2.', 'a.b', '2.01', '02.1', ' ', '2.1.0'])
def test_malformed_is_invalid_400(value):
    with pytest.raises(exception.InvalidMicroversion) as info:
        microversion.from_headers({'X-OpenStack-Nova-API-Version': value or 'x'})
    assert info.value.code == 400


@pytest.mark.parametrize('value', ['2.0', '2.91', '3.0', '1.90'])
def test_out_of_range_is_406(value):
    with pytest.raises(exception.MicroversionNotAcceptable) as info:
        microversion.from_headers({'OpenStack-API-Version': f'compute {value}'})
    assert info.value.code == 406


def test_versions_compare_numerically_and_with_strings():
    v = microversion.APIVersion.parse('2.10')
    assert v > '2.9' and v >= '2.10' and v < '2.11' and v == '2.10' and v != '2.1'
    assert str(v) == '2.10'
    assert microversion.MIN < microversion.MAX


def test_response_headers():
    assert microversion.response_headers(microversion.APIVersion(2, 53)) == {
        'OpenStack-API-Version': 'compute 2.53',
        'X-OpenStack-Nova-API-Version': '2.53',
        'Vary': 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    }
