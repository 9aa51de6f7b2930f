"""GET /servers/{id}/os-instance-actions[/{request_id}]."""

import datetime

from cepheid.api.db import actions as db_actions
from tests.functional.api import conftest
from tests.functional.api.conftest import fault


def _record(db, instance, request_id, action='reboot', *, start=None, fail=False):
    with db.transaction() as session:
        row = db_actions.action_start(session, instance_uuid=instance['uuid'],
                                      request_id=request_id, action=action,
                                      user_id='demo', project_id='demo-project')
        if start is not None:
            session.get(db_actions.models.InstanceAction, row['id']).created_at = start
        db_actions.event_start(session, instance_uuid=instance['uuid'], request_id=request_id,
                               event='compute_reboot_instance', host='compute1')
        db_actions.event_finish(session, instance_uuid=instance['uuid'],
                                request_id=request_id, event='compute_reboot_instance',
                                host='compute1', result='Error' if fail else 'Success',
                                traceback='Traceback...' if fail else None)


def test_list_newest_first(api, db, instance):
    base = datetime.datetime(2024, 1, 1)
    _record(db, instance, 'req-1', 'create', start=base)
    _record(db, instance, 'req-2', 'reboot', start=base + datetime.timedelta(seconds=1))
    actions = api.get(f"/v2.1/servers/{instance['uuid']}/os-instance-actions").get_json()
    assert [a['request_id'] for a in actions['instanceActions']] == ['req-2', 'req-1']
    assert set(actions['instanceActions'][0]) == {
        'action', 'instance_uuid', 'request_id', 'user_id', 'project_id', 'start_time',
        'message'}
    later = api.get(f"/v2.1/servers/{instance['uuid']}/os-instance-actions?limit=1",
                    version='2.58').get_json()
    assert 'updated_at' in later['instanceActions'][0]
    assert 'marker=req-2' in later['links'][0]['href']


def test_show_events_for_member_from_251_without_traceback(api, db, instance):
    _record(db, instance, 'req-1', fail=True)
    url = f"/v2.1/servers/{instance['uuid']}/os-instance-actions/req-1"
    assert 'events' not in api.get(url, version='2.50').get_json()['instanceAction']
    action = api.get(url, version='2.62').get_json()['instanceAction']
    assert action['message'] == 'Error'
    assert set(action['events'][0]) == {'event', 'start_time', 'finish_time', 'result',
                                        'hostId'}
    assert action['events'][0]['result'] == 'Error'


def test_show_events_for_admin_with_traceback_and_host(api, db, instance):
    _record(db, instance, 'req-1', fail=True)
    url = f"/v2.1/servers/{instance['uuid']}/os-instance-actions/req-1"
    event = api.get(url, token=conftest.ADMIN, version='2.84').get_json()[
        'instanceAction']['events'][0]
    assert event['traceback'] == 'Traceback...'
    assert event['host'] == 'compute1'
    assert 'details' in event


def test_unknown_request_id_is_404_and_other_project_is_404(api, instance):
    url = f"/v2.1/servers/{instance['uuid']}/os-instance-actions"
    assert fault(api.get(url + '/req-x'))[:2] == ('itemNotFound', 404)
    assert fault(api.get(url, token=conftest.OTHER))[:2] == ('itemNotFound', 404)
