"""GET/DELETE /servers/{id}/os-server-password: empty (no metadata service), Nova's policies."""

import uuid

from tests.functional.api import conftest
from tests.functional.api.conftest import fault


def _path(instance):
    return f"/v2.1/servers/{instance['uuid']}/os-server-password"


def test_the_owner_and_an_admin_read_an_empty_password(api, instance):
    for token in (conftest.MEMBER, conftest.ADMIN):
        resp = api.get(_path(instance), token=token)
        assert resp.status_code == 200
        assert resp.get_json() == {'password': ''}


def test_clearing_answers_204_and_the_password_stays_empty(api, instance):
    resp = api.delete(_path(instance))
    assert resp.status_code == 204
    assert resp.get_data() == b''
    assert api.get(_path(instance)).get_json() == {'password': ''}


def test_another_project_and_a_missing_server_get_404(api, instance):
    assert fault(api.get(_path(instance), token=conftest.OTHER))[:2] == ('itemNotFound', 404)
    missing = f'/v2.1/servers/{uuid.uuid4()}/os-server-password'
    assert fault(api.delete(missing))[:2] == ('itemNotFound', 404)
