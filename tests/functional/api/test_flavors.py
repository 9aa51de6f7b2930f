"""Flavors: the seeded classic set in Nova's shape, per microversion."""

from tests.functional.api.conftest import fault


def test_list_is_ids_names_links(api):
    flavors = api.get('/v2.1/flavors').get_json()['flavors']
    assert [f['name'] for f in flavors] == ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large',
                                            'm1.xlarge']
    assert set(flavors[0]) == {'id', 'name', 'links'}
    assert flavors[0]['links'] == [
        {'rel': 'self', 'href': 'http://localhost/v2.1/flavors/1'},
        {'rel': 'bookmark', 'href': 'http://localhost/flavors/1'}]


def test_show_at_21(api):
    flavor = api.get('/v2.1/flavors/2').get_json()['flavor']
    assert flavor == {
        'id': '2', 'name': 'm1.small', 'ram': 2048, 'disk': 20, 'vcpus': 1, 'swap': '',
        'rxtx_factor': 1.0, 'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': False, 'os-flavor-access:is_public': True,
        'links': flavor['links']}


def test_show_later_versions_add_description_extra_specs_and_numeric_swap(api):
    assert 'description' not in api.get('/v2.1/flavors/1', version='2.54').get_json()['flavor']
    flavor = api.get('/v2.1/flavors/1', version='2.75').get_json()['flavor']
    assert flavor['description'] is None
    assert flavor['extra_specs'] == {}
    assert flavor['swap'] == 0
    assert api.get('/v2.1/flavors/1', version='2.74').get_json()['flavor']['swap'] == ''


def test_detail_filters_and_pages(api):
    big = api.get('/v2.1/flavors/detail?minRam=8192').get_json()['flavors']
    assert [f['id'] for f in big] == ['4', '5']
    page = api.get('/v2.1/flavors/detail?limit=2&marker=1').get_json()
    assert [f['id'] for f in page['flavors']] == ['2', '3']
    assert 'marker=3' in page['flavors_links'][0]['href']


def test_unknown_flavor_is_404(api):
    assert fault(api.get('/v2.1/flavors/99')) == ('itemNotFound', 404,
                                                   'Flavor 99 could not be found.')


def test_bad_filters_are_400(api):
    assert fault(api.get('/v2.1/flavors?minRam=x'))[:2] == ('badRequest', 400)
    assert fault(api.get('/v2.1/flavors?marker=99'))[:2] == ('badRequest', 400)
