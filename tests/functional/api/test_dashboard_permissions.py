"""The dashboard's buttons are the REST API's answers: /dashboard/api/state greys out what
policy, a lock or the instance's state would refuse, and the API refuses exactly those."""

import json

import pytest

from cepheid.api import app as api_app
from cepheid.api.db import store as db_store
from cepheid.common import states
from cepheid.compute import api as compute_api_mod
from tests.functional.api import conftest
from tests.functional.api import fakes

READER_ONLY = {'project_member_api': 'role:member and project_id:%(project_id)s '
                                     'and not user_id:reader'}
BODIES = {'reboot_soft': {'reboot': {'type': 'SOFT'}},
          'reboot_hard': {'reboot': {'type': 'HARD'}}, 'stop': {'os-stop': None},
          'start': {'os-start': None}}
ALL = {'reboot_soft', 'reboot_hard', 'stop', 'start', 'lock', 'unlock'}


def _buttons(api, token=conftest.MEMBER):
    resp = api.get('/dashboard/api/state', token=token)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {s['uuid']: s['buttons'] for s in resp.get_json()['servers']}


def _enabled(buttons):
    return {name for name, reason in buttons.items() if reason is None}


def test_member_on_an_active_server_may_reboot_stop_and_lock(api, instance):
    buttons = _buttons(api)[instance['uuid']]
    assert _enabled(buttons) == {'reboot_soft', 'reboot_hard', 'stop', 'lock'}
    assert buttons['start'] == (f"Cannot 'start' instance {instance['uuid']} while it is "
                                f"in vm_state active")
    assert buttons['unlock'] == 'not locked'


def test_a_stopped_server_may_be_started_not_stopped_or_soft_rebooted(api, db):
    server = fakes.make_instance(db, vm_state=states.STOPPED, power_state=states.SHUTDOWN)
    assert _enabled(_buttons(api)[server['uuid']]) == {'start', 'reboot_hard', 'lock'}


def test_during_a_soft_reboot_only_hard_reboot_and_lock_remain(api, db):
    server = fakes.make_instance(db, task_state=states.REBOOT_STARTED)
    buttons = _buttons(api)[server['uuid']]
    assert _enabled(buttons) == {'reboot_hard', 'lock'}
    assert 'task_state reboot_started' in buttons['reboot_soft']


def test_a_lock_held_by_an_admin_greys_out_the_members_actions(api, db):
    server = fakes.make_instance(db, locked=True, locked_by='admin', locked_reason='disk swap')
    buttons = _buttons(api)[server['uuid']]
    assert _enabled(buttons) == set()
    assert buttons['reboot_hard'] == 'locked: disk swap'
    assert buttons['unlock'] == 'locked by admin: only an admin may unlock'
    assert _enabled(_buttons(api, conftest.ADMIN)[server['uuid']]) == {
        'reboot_soft', 'reboot_hard', 'stop', 'unlock'}


def test_every_greyed_out_button_is_a_request_the_api_refuses(conf, db):
    """With the real compute API's guards: each refusal shown is the API's 409/403."""
    store = db_store.InstanceStore(db, service_down_time=60)
    services = conftest.make_services(conf, db, compute_api_mod.ComputeAPI(store))
    api = conftest.Api(api_app.create_app(conf, services).test_client())
    servers = [fakes.make_instance(db),
               fakes.make_instance(db, vm_state=states.STOPPED, power_state=states.SHUTDOWN),
               fakes.make_instance(db, task_state=states.REBOOTING),
               fakes.make_instance(db, locked=True, locked_by='admin', locked_reason='r')]
    refused = 0
    for server in servers:
        for name, reason in _buttons(api)[server['uuid']].items():
            if reason is None or name in ('lock', 'unlock'):
                continue  # enabled; lock/unlock of a (not) locked server are no-ops
            resp = api.action(server['uuid'], BODIES[name], version='latest')
            assert resp.status_code == 409, (name, reason, resp.get_data(as_text=True))
            assert conftest.fault(resp)[2] in (reason, f"Instance {server['uuid']} is locked")
            refused += 1
    assert refused == 1 + 2 + 3 + 4


def test_a_reader_sees_every_button_greyed_out_by_policy(conf, db, compute_api, tmp_path,
                                                         instance):
    path = tmp_path / 'policy.json'
    path.write_text(json.dumps(READER_ONLY))
    conf.set_override('policy_file', str(path), group='oslo_policy')
    app = api_app.create_app(conf, conftest.make_services(conf, db, compute_api))
    reader = conftest.Api(app.test_client())
    buttons = _buttons(reader, 'reader:demo-project')[instance['uuid']]
    assert set(buttons) == ALL and _enabled(buttons) == set()
    assert buttons['reboot_hard'] == 'not allowed by policy os_compute_api:servers:reboot'
    # ...and the member of the same project still may.
    assert 'reboot_hard' in _enabled(_buttons(reader)[instance['uuid']])


def test_another_projects_servers_are_not_listed(api, instance):
    assert _buttons(api, conftest.OTHER) == {}
    assert instance['uuid'] in _buttons(api, conftest.ADMIN)


@pytest.mark.parametrize('path', ['/dashboard/api/state', '/dashboard/api/events'])
def test_the_dashboards_data_needs_a_token(api, path):
    resp = api.get(path, token=None)
    assert resp.status_code == 401
    assert conftest.fault(resp)[0] == 'unauthorized'


def test_the_page_itself_needs_no_token_and_holds_no_data(api):
    resp = api.get('/dashboard', token=None)
    assert resp.status_code == 200 and resp.mimetype == 'text/html'
    assert resp.headers['Referrer-Policy'] == 'no-referrer'
    assert resp.headers['Cache-Control'] == 'no-store'
    js = api.get('/dashboard/static/dashboard.js', token=None)
    assert js.status_code == 200 and 'javascript' in js.mimetype
    assert api.get('/dashboard/static/missing.js', token=None).status_code == 404
    assert api.get('/dashboard/static/../handlers.py', token=None).status_code == 401
