"""GET /os-migrations and /servers/{id}/migrations: fields, filters and paging per
microversion, hidden rows, admin only."""

import datetime

import pytest

from cepheid.api.db import migration_records as db_migrations
from cepheid.api.db import models
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
V21_KEYS = {'id', 'status', 'instance_uuid', 'source_node', 'source_compute', 'dest_node',
            'dest_compute', 'dest_host', 'old_instance_type_id', 'new_instance_type_id',
            'created_at', 'updated_at'}


def _migration(db, instance, **values):
    base = dict(instance_uuid=instance['uuid'], source_compute='compute1',
                source_node='compute1', dest_compute='compute2', dest_node='compute2',
                dest_host='compute2', old_instance_type_id=1, new_instance_type_id=2,
                status='finished', migration_type='resize', user_id='demo',
                project_id='demo-project')
    base.update(values)
    with db.transaction() as session:
        return db_migrations.create(session, base)


@pytest.fixture
def moves(db, instance):
    """resize (finished), migration (confirmed, from compute2), a hidden one, a live one."""
    t0 = models.utcnow()
    rows = [
        _migration(db, instance, created_at=t0),
        _migration(db, instance, migration_type='migration', status='confirmed',
                   source_compute='compute2', dest_compute='compute3',
                   created_at=t0 + datetime.timedelta(seconds=1)),
        _migration(db, instance, hidden=True, created_at=t0 + datetime.timedelta(seconds=2)),
        _migration(db, instance, migration_type='live-migration', status='running',
                   created_at=t0 + datetime.timedelta(seconds=3)),
    ]
    return rows


def _list(api, query='', version=None, token=ADMIN):
    resp = api.get(f'/v2.1/os-migrations{query}', token=token, version=version)
    return resp.status_code, resp.get_json()


def test_v21_fields_oldest_first_hidden_left_out(api, moves):
    status, body = _list(api)
    assert status == 200
    items = body['migrations']
    assert [m['id'] for m in items] == [moves[0]['id'], moves[1]['id'], moves[3]['id']]
    assert set(items[0]) == V21_KEYS
    assert items[0]['status'] == 'finished' and items[0]['new_instance_type_id'] == 2
    # Nova's time format: microseconds, no zone.
    assert datetime.datetime.strptime(items[0]['created_at'], '%Y-%m-%dT%H:%M:%S.%f')
    assert items[0]['updated_at'] is None


def test_223_type_and_links_of_live_migrations_in_progress(api, moves, instance):
    _, body = _list(api, version='2.23')
    by_type = {m['migration_type']: m for m in body['migrations']}
    assert set(by_type) == {'resize', 'migration', 'live-migration'}
    assert 'links' not in by_type['resize']
    live = by_type['live-migration']
    assert live['links'][0]['href'].endswith(
        f"/v2.1/servers/{instance['uuid']}/migrations/{live['id']}")
    assert 'uuid' not in live


def test_filters(api, moves, instance):
    def ids(query, version=None):
        return [m['id'] for m in _list(api, query, version)[1]['migrations']]
    assert ids('?status=confirmed') == [moves[1]['id']]
    assert ids('?host=compute3') == [moves[1]['id']]
    assert ids('?source_compute=compute2') == [moves[1]['id']]
    assert ids('?migration_type=resize') == [moves[0]['id']]
    assert ids('?instance_uuid=nope') == []
    assert ids('?hidden=1') == []
    # Before 2.80 user/project filters are ignored; from 2.80 they filter.
    assert len(ids('?project_id=other')) == 3
    assert ids('?project_id=other', '2.80') == []
    assert len(ids('?user_id=demo', '2.80')) == 3


def test_259_newest_first_paged_by_uuid(api, moves):
    status, body = _list(api, '?limit=2', '2.59')
    assert status == 200
    assert [m['id'] for m in body['migrations']] == [moves[3]['id'], moves[1]['id']]
    assert body['migrations'][0]['uuid'] == moves[3]['uuid']
    href = body['migrations_links'][0]['href']
    assert f"marker={moves[1]['uuid']}" in href
    _, body = _list(api, f"?limit=2&marker={moves[1]['uuid']}", '2.59')
    assert [m['id'] for m in body['migrations']] == [moves[0]['id']]
    assert 'migrations_links' not in body
    status, body = _list(api, '?marker=nope', '2.59')
    assert status == 400 and 'Marker nope could not be found.' in body['badRequest']['message']
    assert _list(api, '?foo=1', '2.59')[0] == 400
    assert _list(api, '?foo=1', '2.58')[0] == 200


def test_changes_since_and_before(api, db, moves):
    with db.transaction() as session:
        db_migrations.update(session, moves[0]['id'], {'status': 'confirmed'})
    since = (models.utcnow() - datetime.timedelta(minutes=1)).isoformat()
    _, body = _list(api, f'?changes-since={since}', '2.59')
    assert [m['id'] for m in body['migrations']] == [moves[0]['id']]
    # changes-before arrives at 2.66.
    assert _list(api, f'?changes-before={since}', '2.59')[0] == 400
    _, body = _list(api, f'?changes-before={since}', '2.66')
    assert body['migrations'] == []
    later = models.utcnow().isoformat()
    status, body = _list(api, f'?changes-since={later}&changes-before={since}', '2.66')
    assert status == 400


def test_280_user_and_project(api, moves):
    item = _list(api, version='2.80')[1]['migrations'][0]
    assert (item['user_id'], item['project_id']) == ('demo', 'demo-project')
    assert 'user_id' not in _list(api, version='2.79')[1]['migrations'][0]


def test_admin_only(api, moves):
    resp = api.get('/v2.1/os-migrations')
    assert fault(resp)[:2] == ('forbidden', 403)


def test_server_migrations_show_only_live_ones_in_progress(api, moves, instance):
    base = f"/v2.1/servers/{instance['uuid']}/migrations"
    resp = api.get(base, token=ADMIN, version='2.23')
    assert resp.status_code == 200
    [live] = resp.get_json()['migrations']
    assert live['id'] == moves[3]['id'] and live['server_uuid'] == instance['uuid']
    assert live['memory_total_bytes'] is None and 'uuid' not in live
    resp = api.get(f"{base}/{moves[3]['id']}", token=ADMIN, version='2.80')
    shown = resp.get_json()['migration']
    assert shown['uuid'] == moves[3]['uuid'] and shown['project_id'] == 'demo-project'
    resp = api.get(f"{base}/{moves[0]['id']}", token=ADMIN, version='2.23')
    assert fault(resp) == ('itemNotFound', 404, f"Migration {moves[0]['id']} for server "
                           f"{instance['uuid']} is not live-migration.")
    assert api.get(f'{base}/999', token=ADMIN, version='2.23').status_code == 404
    assert api.get(f'{base}/abc', token=ADMIN, version='2.23').status_code == 404
    assert api.get(base, token=ADMIN, version='2.22').status_code == 404
    assert fault(api.get(base, version='2.23'))[1] == 403


def test_server_migrations_of_unknown_server(api):
    resp = api.get('/v2.1/servers/9a2b5d3c-0000-4000-8000-000000000000/migrations',
                   token=ADMIN, version='2.23')
    assert resp.status_code == 404


def test_not_listed_for_other_project_server(api, db):
    other = fakes.make_instance(db, project_id='alt-project')
    resp = api.get(f"/v2.1/servers/{other['uuid']}/migrations", version='2.23')
    assert resp.status_code == 404
