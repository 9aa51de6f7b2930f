"""The dashboard in a real (headless) browser: a member hard-reboots a server and sees the
row go HARD_REBOOT then ACTIVE and its timeline grow, without reloading; a reader's
buttons are greyed out; an admin sees the hosts. ``CEPHEID_DASHBOARD_SCREENSHOT=<png>``
saves the admin's view (README's picture)."""

import json
import os
import urllib.parse

import pytest

try:
    from selenium.common.exceptions import StaleElementReferenceException
except ImportError:   # the browser fixture skips (or, in CI, fails) with the reason
    StaleElementReferenceException = LookupError

from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server
from tests.functional.dashboard import browser as browser_mod

# A reader-only caller under noauth2 (which makes everyone a member): the user "reader".
POLICY = {'project_member_api': 'role:member and project_id:%(project_id)s '
                                'and not user_id:reader'}


@pytest.fixture
def browser():
    browser_mod.available()
    b = browser_mod.Browser()
    yield b
    b.quit()


@pytest.fixture
def stack(tmp_path):
    policy = tmp_path / 'policy.json'
    policy.write_text(json.dumps(POLICY))
    conf = allinone.make_conf(compute_driver='fake', **{'oslo_policy.policy_file': str(policy)})
    running = allinone.AllInOne(conf, hosts=['compute1', 'compute2']).start()
    yield running
    running.stop()


def _create(client, name):
    status, body = client.post('/servers', {'server': {'name': name, 'flavorRef': '1'}})
    assert status == 202, body
    return wait_for_server(client, body['server']['id'], idle)


def _open(b, base, token):
    b.driver.get(f'{base}/dashboard?token={urllib.parse.quote(token)}')
    b.wait(lambda: b.find('#servers tbody tr'), message='instances table filled')
    b.wait(lambda: b.find('#servers[data-synced="true"]'), message='live stream synced')
    assert b.text('#live') == 'live'


def _status(b, uuid):
    return b.text(f'#row-{uuid} .status')


# Records every status the row shows, however briefly (the test need not catch it on screen).
WATCH_STATUS = """
const uuid = arguments[0];
window.seenStatuses = [];
const note = () => {
  const cell = document.querySelector('#row-' + uuid + ' .status');
  const text = cell && cell.textContent;
  if (text && window.seenStatuses[window.seenStatuses.length - 1] !== text) {
    window.seenStatuses.push(text);
  }
};
new MutationObserver(note).observe(document.querySelector('#servers tbody'),
                                   {childList: true, subtree: true, characterData: true});
note();
"""


def _timeline(b):
    try:
        return [li.text for li in b.find('#timeline li')]
    except StaleElementReferenceException:
        return []


def test_hard_reboot_from_the_dashboard_is_seen_live(stack, browser):
    client = http.Client(stack.endpoint)
    base = stack.endpoint.rsplit('/v2.1', 1)[0]
    web, db = _create(client, 'web-1'), _create(client, 'db-1')
    for compute in stack.computes.values():
        compute.driver.delay = 0.4     # long enough to see HARD_REBOOT on screen
    b = browser
    _open(b, base, http.MEMBER)
    assert 'token' not in b.driver.current_url        # dropped from the address bar
    uuid = web['id']
    b.find(f'#row-{uuid} td.name a')[0].click()
    b.wait(lambda: len(_timeline(b)) >= 2, message='timeline loaded')
    before = len(_timeline(b))
    marker = b.driver.execute_script('return window.performance.timeOrigin')
    b.driver.execute_script(WATCH_STATUS, uuid)
    b.find(f'#row-{uuid} button[data-action="reboot_hard"]')[0].click()
    seen = lambda: b.driver.execute_script('return window.seenStatuses')  # noqa: E731
    b.wait(lambda: seen()[-2:] == ['HARD_REBOOT', 'ACTIVE'],
           message='row went HARD_REBOOT, then ACTIVE')
    assert seen() == ['ACTIVE', 'HARD_REBOOT', 'ACTIVE']
    # A snapshot may re-render the row between finding the cell and reading it (None)
    b.wait(lambda: _status(b, uuid) == 'ACTIVE', message='row shows ACTIVE')
    b.wait(lambda: any('instance.reboot.end' in t for t in _timeline(b)),
           message='timeline has the end notification')
    # The notifications and the committed changes reach the page on two feeds, in either
    # order: each step of the reboot shows up, without a reload.
    for step in ('rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard',
                 'compute_reboot_instance Success'):
        b.wait(lambda step=step: any(step in t for t in _timeline(b)),
               message=f'timeline has {step}')
    assert len(_timeline(b)) > before
    # no reload happened: the same page, the same document
    assert b.driver.execute_script('return window.performance.timeOrigin') == marker
    assert b.text('#message') == 'Reboot (hard) web-1: accepted'
    assert stack.recorder.wait_for(lambda evs: any(
        e[2] == 'instance.reboot.end' and e[3]['nova_object.data']['uuid'] == uuid
        for e in evs))
    # lock with a reason: the row says so and the member's actions grey out
    b.find('#lock-reason')[0].send_keys('maintenance window')
    b.find(f'#row-{db["id"]} button[data-action="lock"]')[0].click()
    b.wait(lambda: b.text(f'#row-{db["id"]} .locked') == 'yes (maintenance window)',
           message='row shows the lock')
    b.wait(lambda: b.enabled(f'#row-{db["id"]} button[data-action="reboot_hard"]') is False,
           message="the locked server's reboot greyed out")

    _open(b, base, 'reader:demo-project')
    buttons = b.driver.execute_script(
        'return [...document.querySelectorAll(arguments[0])].map(x => [x.disabled, x.title])',
        f'#row-{db["id"]} td.actions button')
    assert len(buttons) == 6 and all(disabled for disabled, _ in buttons)
    assert all(title.startswith('not allowed by policy') for _, title in buttons)

    _open(b, base, http.ADMIN)
    b.wait(lambda: len(b.find('#hosts tbody tr')) == 2, message='hosts shown')
    hosts = b.driver.execute_script(
        "return [...document.querySelectorAll('#hosts tbody tr')].map(r => r.innerText)")
    assert {r.split()[0]: r.split()[1] for r in hosts} == {
        'compute1': 'up', 'compute2': 'up'}
    b.find(f'#row-{uuid} td.name a')[0].click()
    b.wait(lambda: any('reboot_started_hard' in t for t in _timeline(b)),
           message='admin timeline')
    shot = os.environ.get('CEPHEID_DASHBOARD_SCREENSHOT')
    if shot:
        b.driver.save_screenshot(shot)


def test_a_task_end_first_seen_in_a_resync_snapshot_still_brings_its_action_events(
        stack, browser, monkeypatch):
    """The stream's resync snapshot is read from the database: it may show a task's end
    before that end's own change event reaches the page (or instead of it). The page
    compares the snapshot with what it showed, so the ended task's action events still
    join the open timeline (CI once saw the race: the snapshot came one second after the
    page opened, with the reboot just ended)."""
    from cepheid.api.dashboard import handlers as dashboard_handlers
    client = http.Client(stack.endpoint)
    base = stack.endpoint.rsplit('/v2.1', 1)[0]
    uuid = _create(client, 'web-1')['id']
    hub = stack.services.dashboard.hub
    publish = hub.publish_instance
    ended = {'armed': False}

    def without_the_end(summary, entry=None):
        # The end's change never comes as an event: only the resync snapshot shows it.
        if summary['uuid'] == uuid and summary['task_state'] is None and ended['armed']:
            return False
        return publish(summary, entry)

    monkeypatch.setattr(hub, 'publish_instance', without_the_end)
    monkeypatch.setattr(dashboard_handlers, 'RESYNC_SECONDS', 6.0)
    watch = stack.services.dashboard.watch
    monkeypatch.setattr(stack.services.dashboard, 'watch', lambda: watch() or True)
    b = browser
    _open(b, base, http.MEMBER)
    b.find(f'#row-{uuid} td.name a')[0].click()
    b.wait(lambda: len(_timeline(b)) >= 2, message='timeline loaded')
    ended['armed'] = True
    b.find(f'#row-{uuid} button[data-action="reboot_hard"]')[0].click()
    b.wait(lambda: _status(b, uuid) == 'HARD_REBOOT', message='row shows HARD_REBOOT')
    wait_for_server(client, uuid, idle)
    b.wait(lambda: _status(b, uuid) == 'ACTIVE', message='the snapshot shows ACTIVE')
    b.wait(lambda: any('compute_reboot_instance Success' in t for t in _timeline(b)),
           message='timeline has the action event the snapshot ended')


# Holds the page's timeline loads once the api has answered them, until the test lets go.
HOLD_TIMELINE_LOADS = """
window.timelineHeld = false;
window.releaseTimeline = null;
const realFetch = window.fetch;
window.fetch = async (path, options) => {
  const resp = await realFetch(path, options);
  if (!String(path).endsWith('/timeline')) return resp;
  window.timelineHeld = true;
  await new Promise((release) => { window.releaseTimeline = release; });
  return resp;
};
"""


def test_a_live_entry_that_arrives_while_the_timeline_loads_is_kept(stack, browser):
    """The timeline's load (the api's answer) may be read before a notification reaches the
    hub, and reach the page after that notification's live entry: the load replaces the
    list, and the entry stays in it (CI once lost ``instance.reboot.end`` so: the task's
    end re-loaded the timeline just as the end notification came)."""
    client = http.Client(stack.endpoint)
    base = stack.endpoint.rsplit('/v2.1', 1)[0]
    uuid = _create(client, 'web-1')['id']
    b = browser
    _open(b, base, http.MEMBER)
    b.find(f'#row-{uuid} td.name a')[0].click()
    b.wait(lambda: len(_timeline(b)) >= 1, message='timeline loaded')
    b.driver.execute_script(HOLD_TIMELINE_LOADS)
    b.find(f'#row-{uuid} td.name a')[0].click()          # loads the timeline again
    b.wait(lambda: b.driver.execute_script('return window.timelineHeld'),
           message="the api answered the load; the page has not read it")
    entry = {'time': '2099-01-01T00:00:00.000000Z', 'source': 'bus',
             'what': 'instance.late.marker', 'task_state': None, 'vm_state': 'active',
             'power_state': 'running', 'locked': False, 'request_id': None}
    stack.services.dashboard.hub.publish_entry(uuid, entry)
    b.wait(lambda: any('instance.late.marker' in t for t in _timeline(b)),
           message='the live entry shown')
    b.driver.execute_script(
        "window.shownBefore = document.querySelector('#timeline li');"
        'window.releaseTimeline();')
    b.wait(lambda: b.driver.execute_script(
        "return document.querySelector('#timeline li') !== window.shownBefore"),
        message='the load replaced the list')
    shown = _timeline(b)
    assert sum('instance.late.marker' in t for t in shown) == 1, shown
    assert any('create' in t for t in shown), shown            # the loaded action events
