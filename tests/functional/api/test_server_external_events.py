"""POST /os-server-external-events: admin only, Nova's schema per microversion, per-event
codes (200/400/404/422) and the overall 200/207, and what is handed to the compute API."""

import uuid

import pytest

from tests.functional.api import conftest
from tests.functional.api import fakes
from tests.functional.api.conftest import fault

URL = '/v2.1/os-server-external-events'


def _post(api, events, *, version='2.1', token=conftest.ADMIN):
    return api.post(URL, {'events': events}, token=token, version=version)


def test_an_accepted_event_is_200_and_goes_to_the_compute_api(api, compute_api, instance):
    events = [{'name': 'network-changed', 'server_uuid': instance['uuid']}]
    resp = _post(api, events)
    assert resp.status_code == 200
    assert resp.get_json() == {'events': [
        {'name': 'network-changed', 'server_uuid': instance['uuid'], 'status': 'completed',
         'code': 200}]}
    assert compute_api.calls == [('external_instance_event', [instance['uuid']], [
        {'instance_uuid': instance['uuid'], 'name': 'network-changed',
         'status': 'completed', 'tag': None}])]


def test_mixed_outcomes_are_207_with_each_events_code(api, compute_api, db, instance):
    unscheduled = fakes.make_instance(db, host=None, node=None, vm_state='error')
    other_project = fakes.make_instance(db, project_id='alt-project', user_id='alt')
    deleted = fakes.make_instance(db)
    api.delete(f"/v2.1/servers/{deleted['uuid']}")
    missing = str(uuid.uuid4())
    events = [
        {'name': 'network-vif-plugged', 'server_uuid': instance['uuid'], 'tag': 'port-1',
         'status': 'failed'},
        {'name': 'network-changed', 'server_uuid': other_project['uuid']},
        {'name': 'network-changed', 'server_uuid': unscheduled['uuid']},
        {'name': 'network-changed', 'server_uuid': missing},
        {'name': 'network-changed', 'server_uuid': deleted['uuid']},
        {'name': 'volume-extended', 'server_uuid': instance['uuid']},
    ]
    resp = _post(api, events, version='2.51')
    assert resp.status_code == 207
    assert [(e['code'], e['status']) for e in resp.get_json()['events']] == [
        (200, 'completed'), (200, 'completed'), (422, 'failed'), (404, 'failed'),
        (404, 'failed'), (400, 'failed')]
    assert resp.get_json()['events'][0]['tag'] == 'port-1'
    (call,) = [c for c in compute_api.calls if c[0] == 'external_instance_event']
    assert call[1] == sorted([instance['uuid'], other_project['uuid']])
    assert [(e['name'], e['status']) for e in call[2]] == [
        ('network-vif-plugged', 'failed'), ('network-changed', 'completed')]


def test_no_accepted_event_is_207_and_nothing_is_sent(api, compute_api):
    resp = _post(api, [{'name': 'network-changed', 'server_uuid': str(uuid.uuid4())}])
    assert resp.status_code == 207
    assert resp.get_json()['events'][0]['code'] == 404
    assert compute_api.calls == []


@pytest.mark.parametrize('name, since', [
    ('volume-extended', '2.51'), ('power-update', '2.76'),
    ('accelerator-request-bound', '2.82')])
def test_event_names_follow_the_microversion(api, instance, name, since):
    event = {'name': name, 'server_uuid': instance['uuid'], 'tag': 'POWER_OFF'}
    major, minor = since.split('.')
    before = f'{major}.{int(minor) - 1}'
    assert fault(_post(api, [event], version=before))[:2] == ('badRequest', 400)
    assert _post(api, [event], version=since).status_code == 200


def test_volume_reimaged_is_refused_up_to_the_maximum(api, instance):
    event = {'name': 'volume-reimaged', 'server_uuid': instance['uuid'], 'tag': 'v'}
    assert fault(_post(api, [event], version='latest'))[:2] == ('badRequest', 400)


@pytest.mark.parametrize('body', [
    {}, {'events': []}, {'events': [{'name': 'network-changed'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': 'not-a-uuid'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': str(uuid.uuid4()),
                 'status': 'done'}]},
    {'events': [{'name': 'network-changed', 'server_uuid': str(uuid.uuid4()),
                 'tag': 'x' * 256}]},
    {'events': [{'name': 'network-changed', 'server_uuid': str(uuid.uuid4()), 'x': 1}]},
    {'events': [], 'more': 1},
])
def test_a_bad_body_is_400(api, compute_api, body):
    resp = api.post(URL, body, token=conftest.ADMIN)
    assert fault(resp)[:2] == ('badRequest', 400)
    assert compute_api.calls == []


def test_only_an_admin_may_send_events(api, compute_api, instance):
    events = [{'name': 'network-changed', 'server_uuid': instance['uuid']}]
    resp = _post(api, events, token=conftest.MEMBER)
    assert fault(resp) == (
        'forbidden', 403,
        "Policy doesn't allow os_compute_api:os-server-external-events:create to be "
        'performed.')
    assert compute_api.calls == []
