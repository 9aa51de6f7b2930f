"""Non-public flavors at server create: usable only by projects they are shared with."""

from tests.functional.api.conftest import ADMIN
from tests.functional.api.conftest import OTHER
from tests.functional.api.conftest import fault


def _private_flavor(api):
    resp = api.post('/v2.1/flavors', {'flavor': {
        'name': 'private', 'id': 'p1', 'ram': 512, 'vcpus': 1, 'disk': 1,
        'os-flavor-access:is_public': False}}, token=ADMIN)
    assert resp.status_code == 200, resp.get_json()
    return 'p1'


def _create(api, flavor_id, token):
    return api.post('/v2.1/servers', {'server': {'name': 'vm', 'flavorRef': flavor_id}},
                    token=token)


def test_a_non_public_flavor_is_unknown_to_other_projects_at_create(api, compute_api):
    flavor_id = _private_flavor(api)
    assert fault(_create(api, flavor_id, OTHER)) == (
        'badRequest', 400, 'Flavor p1 could not be found.')
    assert compute_api.calls == []
    # An admin may use any flavor.
    assert _create(api, flavor_id, ADMIN).status_code == 202


def test_sharing_lets_the_project_list_show_and_use_it(api, compute_api):
    flavor_id = _private_flavor(api)
    resp = api.post(f'/v2.1/flavors/{flavor_id}/action',
                    {'addTenantAccess': {'tenant': 'alt-project'}}, token=ADMIN)
    assert resp.status_code == 200
    listed = api.get('/v2.1/flavors', token=OTHER).get_json()['flavors']
    assert flavor_id in [f['id'] for f in listed]
    assert api.get(f'/v2.1/flavors/{flavor_id}', token=OTHER).status_code == 200
    assert _create(api, flavor_id, OTHER).status_code == 202
    assert [c[2]['flavor'] for c in compute_api.calls] == [flavor_id]
    # The member of another project still does not see it.
    assert api.get(f'/v2.1/flavors/{flavor_id}').status_code == 404
