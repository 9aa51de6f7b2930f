"""Flavor and key pair views per microversion, and the flavor notification payload."""

import datetime

from cepheid.api import flavor_notifications
from cepheid.api import microversion
from cepheid.api.views import flavors as views
from cepheid.api.views import keypairs as keypair_views

V = microversion.APIVersion.parse
FLAVOR = {'flavorid': 'f1', 'name': 'tiny', 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'rxtx_factor': 1.0, 'is_public': False,
          'disabled': False, 'description': 'd', 'extra_specs': {'a': 'b'},
          'projects': ['p1']}


def _detail(version, **kwargs):
    return views.detail(FLAVOR, version=V(version), base_url='http://h/', **kwargs)


def test_detail_keys_per_microversion():
    base = {'id', 'name', 'links', 'ram', 'disk', 'vcpus', 'swap', 'rxtx_factor',
            'OS-FLV-EXT-DATA:ephemeral', 'OS-FLV-DISABLED:disabled',
            'os-flavor-access:is_public'}
    assert set(_detail('2.54', extra_specs=True)) == base
    assert set(_detail('2.60', extra_specs=True)) == base | {'description'}
    assert set(_detail('2.61', extra_specs=True)) == base | {'description', 'extra_specs'}
    # The caller may not list extra specs: none shown.
    assert set(_detail('2.61', extra_specs=False)) == base | {'description'}


def test_zero_swap_is_empty_string_until_275():
    assert _detail('2.74')['swap'] == ''
    assert _detail('2.75')['swap'] == 0


def test_access_view_lists_projects():
    assert views.access(FLAVOR) == {'flavor_access': [{'flavor_id': 'f1', 'tenant_id': 'p1'}]}


def test_embedded_flavor_is_the_instance_snapshot():
    instance = {'flavor_name': 'gone', 'vcpus': 2, 'memory_mb': 64, 'root_gb': 3,
                'ephemeral_gb': 1, 'swap': 5, 'flavor_extra_specs': {'x': 'y'}}
    assert views.embedded(instance) == {'original_name': 'gone', 'vcpus': 2, 'ram': 64,
                                        'disk': 3, 'ephemeral': 1, 'swap': 5,
                                        'extra_specs': {'x': 'y'}}
    assert 'extra_specs' not in views.embedded(instance, extra_specs=False)


def test_flavor_payload_loaded_and_not():
    data = flavor_notifications.payload(FLAVOR)['nova_object.data']
    assert (data['extra_specs'], data['projects'], data['vcpu_weight']) == ({'a': 'b'}, ['p1'], 0)
    data = flavor_notifications.payload(FLAVOR, loaded=False)['nova_object.data']
    assert (data['extra_specs'], data['projects']) == (None, None)


def test_keypair_views_per_microversion():
    created = datetime.datetime(2026, 12, 1, 12, 0, 0, 123456)
    keypair = {'id': 7, 'name': 'k', 'user_id': 'u', 'type': 'ssh', 'public_key': 'pk',
               'fingerprint': 'fp', 'created_at': created, 'updated_at': None}
    assert keypair_views.index_item(keypair, version=V('2.1')) == {
        'keypair': {'name': 'k', 'public_key': 'pk', 'fingerprint': 'fp'}}
    assert keypair_views.index_item(keypair, version=V('2.2'))['keypair']['type'] == 'ssh'
    assert keypair_views.show(keypair, version=V('2.1')) == {
        'name': 'k', 'public_key': 'pk', 'fingerprint': 'fp', 'user_id': 'u', 'id': 7,
        'created_at': '2026-12-01T12:00:00.123456', 'updated_at': None, 'deleted': False,
        'deleted_at': None}
    assert keypair_views.created(keypair, version=V('2.2'), private_key='sk') == {
        'name': 'k', 'public_key': 'pk', 'fingerprint': 'fp', 'type': 'ssh', 'user_id': 'u',
        'private_key': 'sk'}
