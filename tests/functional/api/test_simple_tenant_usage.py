"""os-simple-tenant-usage over HTTP: policies, windows, deleted servers, 2.40 paging, 400s."""

import datetime

import sqlalchemy as sa

from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

ADMIN = conftest.ADMIN
FMT = '%Y-%m-%dT%H:%M:%S.%f'


def _at(hours_ago):
    return models.utcnow() - datetime.timedelta(hours=hours_ago)


def _window(start_hours_ago=48, end_hours_ago=-24):
    return f'start={_at(start_hours_ago).strftime(FMT)}&end={_at(end_hours_ago).strftime(FMT)}'


def _servers(db):
    """demo-project: one running 10 h, one deleted after 2 h; alt-project: one running 1 h;
    one terminated long before the window."""
    running = fakes.make_instance(db, launched_at=_at(10), display_name='running')
    gone = fakes.make_instance(db, launched_at=_at(5), display_name='gone')
    with db.transaction() as session:
        db_instances.soft_delete(session, gone['uuid'])
        session.execute(sa.update(models.Instance).where(models.Instance.uuid == gone['uuid'])
                        .values(terminated_at=_at(3)))
    other = fakes.make_instance(db, launched_at=_at(1), project_id='alt-project')
    fakes.make_instance(db, launched_at=_at(200), terminated_at=_at(100),
                        display_name='ancient')
    return running, gone, other


def _get(api, path, *, token=ADMIN, version=None):
    resp = api.get(f'/v2.1/os-simple-tenant-usage{path}', token=token, version=version)
    return resp.status_code, resp.get_json()


def test_list_all_tenants_detailed(api, db):
    running, gone, other = _servers(db)
    status, body = _get(api, f'?{_window()}&detailed=1')
    assert status == 200
    alt, demo = sorted(body['tenant_usages'], key=lambda u: u['tenant_id'])
    assert (alt['tenant_id'], demo['tenant_id']) == ('alt-project', 'demo-project')
    by_name = {u['name']: u for u in demo['server_usages']}
    assert set(by_name) == {'running', 'gone'}
    assert by_name['gone']['state'] == 'terminated'
    assert round(by_name['gone']['hours'], 2) == 2.0
    assert round(by_name['running']['hours'], 1) == 10.0
    assert by_name['running']['ended_at'] is None
    assert round(demo['total_hours'], 1) == 12.0
    assert round(demo['total_memory_mb_usage']) == round(512 * demo['total_hours'])
    assert len(alt) == 8 and alt['server_usages'][0]['instance_id'] == other['uuid']
    _, plain = _get(api, f'?{_window()}')
    assert all('server_usages' not in u and len(u) == 7 for u in plain['tenant_usages'])


def test_show_tenant_as_its_reader_and_an_empty_usage(api, db):
    _servers(db)
    status, body = _get(api, f'/demo-project?{_window()}', token=conftest.MEMBER)
    assert status == 200 and len(body['tenant_usage']) == 8
    assert len(body['tenant_usage']['server_usages']) == 2
    assert _get(api, f'/nobody?{_window()}')[1] == {'tenant_usage': {}}
    assert fault(api.get(f'/v2.1/os-simple-tenant-usage/alt-project?{_window()}'))[:2] == (
        'forbidden', 403)


def test_list_is_admin_only_and_an_empty_tenant_id_is_404(api, db):
    assert fault(api.get('/v2.1/os-simple-tenant-usage'))[:2] == ('forbidden', 403)
    assert _get(api, f'/?{_window()}')[0] == 404


def test_bad_dates_are_400(api, db):
    assert fault(api.get(f'/v2.1/os-simple-tenant-usage/demo-project?{_window(-24, 48)}',
                         token=ADMIN)) == (
        'badRequest', 400,
        'Invalid start time. The start time cannot occur after the end time.')
    assert fault(api.get('/v2.1/os-simple-tenant-usage?start=yesterday', token=ADMIN)) == (
        'badRequest', 400, 'Invalid datetime string: Datetime is in invalid format')
    assert _get(api, '?start=2026-01-01T00:00:00&end=2026-01-02 00:00:00.5')[0] == 200


def test_paging_from_240(api, db):
    running, gone, other = _servers(db)
    order = sorted([(s['project_id'], s['uuid']) for s in (running, gone, other)])
    status, body = _get(api, f'?{_window()}&detailed=1&limit=2', version='2.40')
    assert status == 200
    page = [u['instance_id'] for t in body['tenant_usages'] for u in t['server_usages']]
    assert page == [uuid for _, uuid in order[:2]]
    href = body['tenant_usages_links'][0]['href']
    assert body['tenant_usages_links'][0]['rel'] == 'next' and f'marker={page[-1]}' in href
    _, rest = _get(api, f'?{_window()}&detailed=1&limit=2&marker={page[-1]}', version='2.40')
    assert [u['instance_id'] for t in rest['tenant_usages'] for u in t['server_usages']] == [
        order[2][1]]
    assert 'tenant_usages_links' not in rest
    _, shown = _get(api, f'/demo-project?{_window()}&limit=1', version='2.40')
    assert '/os-simple-tenant-usage/demo-project?' in shown['tenant_usage_links'][0]['href']
    assert fault(api.get('/v2.1/os-simple-tenant-usage?marker=nope', token=ADMIN,
                         version='2.40')) == (
        'badRequest', 400, 'Marker nope could not be found.')
    # Before 2.40 paging parameters are ignored; from 2.75 unknown ones are refused.
    assert 'tenant_usages_links' not in _get(api, f'?{_window()}&limit=1', version='2.39')[1]
    assert _get(api, f'?{_window()}&foo=1', version='2.74')[0] == 200
    assert _get(api, f'?{_window()}&foo=1', version='2.75')[0] == 400
