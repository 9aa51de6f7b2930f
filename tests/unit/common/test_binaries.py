"""[DEFAULT] binary_prefix: stored names stay canonical, clients see the prefix's."""

import types

from cepheid.common import binaries

NOVA = types.SimpleNamespace(binary_prefix='nova')
CEPHEID = types.SimpleNamespace(binary_prefix='cepheid')


def test_shown_names_follow_the_prefix():
    assert binaries.shown(NOVA, 'cepheid-compute') == 'nova-compute'
    assert binaries.shown(NOVA, 'api') == 'nova-api'
    assert binaries.shown(CEPHEID, 'cepheid-api') == 'cepheid-api'


def test_client_names_map_back_only_for_the_configured_prefix():
    assert binaries.from_shown(NOVA, 'nova-compute') == 'cepheid-compute'
    assert binaries.from_shown(NOVA, 'cepheid-compute') is None
    assert binaries.from_shown(CEPHEID, 'cepheid-compute') == 'cepheid-compute'
    assert binaries.from_shown(CEPHEID, 'compute') is None
    assert binaries.canonical('nova-compute') == 'cepheid-compute'
