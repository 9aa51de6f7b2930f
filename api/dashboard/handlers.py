"""The dashboard's routes: the page and its files, login, state, timeline, event stream."""

import json
import os
import time

import flask

from cepheid.api import helpers
from cepheid.api import workers
from cepheid.api.dashboard import hub as dashboard_hub
from cepheid.api.dashboard import login
from cepheid.api.dashboard import permissions
from cepheid.api.dashboard import views
from cepheid.api.policies import servers as server_policies

STATIC = os.path.join(os.path.dirname(__file__), 'static')
KEEPALIVE_SECONDS = 5      # a comment line (and, for admins, the hosts) this often
RECONNECT_MS = 2000
# A stream that renewed a lease which was not fresh sends its snapshot again this much
# later: the changes other api processes committed before the renewal reached them
# were not cast (api/dashboard/interest.py).
RESYNC_SECONDS = 1.0
# The page holds no data: the token stays in the browser, never in a URL it sends,
# a log line or a Referer.
PAGE_HEADERS = {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
}


def _feed():
    """This process's live feed, or None (REST-only test apps; ``dashboard_feed`` off)."""
    feed = getattr(helpers.services(), 'dashboard', None)
    return feed if feed is not None and feed.live else None


def _viewer():
    services = helpers.services()
    enforcer = flask.current_app.extensions[helpers.EXTENSION]['enforcer']
    return views.Viewer(helpers.context(), enforcer, services.db, services.conf,
                        getattr(services, 'rpc_queue_depth', None))


def page():
    response = flask.send_from_directory(STATIC, 'index.html')
    response.headers.update(PAGE_HEADERS)
    return response


def static(name):
    response = flask.send_from_directory(STATIC, name)
    response.headers.update(PAGE_HEADERS)
    return response


def state():
    helpers.authorize(server_policies.SERVERS % 'index')
    viewer = _viewer()
    feed = _feed()
    return flask.jsonify({
        'me': viewer.me(), 'buttons': permissions.describe(),
        'servers': viewer.instances(), 'hosts': viewer.hosts(),
        'live': feed is not None,
    })


def timeline(server_id):
    instance = helpers.load_instance(server_id)
    helpers.authorize(server_policies.SERVERS % 'show', helpers.instance_target(instance))
    feed = _feed()
    live = feed.hub.timeline(instance['uuid']) if feed is not None else []
    return flask.jsonify({'uuid': instance['uuid'],
                          'entries': _viewer().timeline(instance, live)})


def _sse(event, data):
    return f'event: {event}\ndata: {json.dumps(data, separators=(",", ":"))}\n\n'


def _render(viewer, event):
    """The SSE text of a hub event for this caller, or '' when it may not see it."""
    if event['type'] == 'instance':
        summary = event['instance']
        return _sse('instance', viewer.instance(summary)) if viewer.visible(summary) else ''
    if event['type'] in ('timeline', 'deleted'):
        # Entries and deletions name only a uuid: the page uses those it shows.
        return _sse(event['type'], event)
    return ''


def _stream(viewer, feed, sub, resync):
    hub = feed.hub
    try:
        yield f'retry: {RECONNECT_MS}\n: connected to api worker {workers.worker_slot()}\n\n'
        # Read after subscribing: nothing falls between this snapshot and the events.
        yield _sse('snapshot', viewer.instances())
        if viewer.sees_hosts:
            yield _sse('hosts', viewer.hosts())
        resync_at = time.monotonic() + RESYNC_SECONDS if resync else None
        while True:
            wait = KEEPALIVE_SECONDS
            if resync_at is not None:
                wait = max(0.0, min(wait, resync_at - time.monotonic()))
            event = sub.get(wait)
            feed.keep_watching()
            if event is dashboard_hub.Hub.CLOSED or (event is None and (
                    sub.overflowed or hub.closed)):
                return
            if event is not None:
                text = _render(viewer, event)
                if text:
                    yield text
            if resync_at is not None and time.monotonic() >= resync_at:
                resync_at = None    # after the events taken so far: the newest state
                yield _sse('snapshot', viewer.instances())
            elif event is None:
                yield _sse('hosts', viewer.hosts()) if viewer.sees_hosts else ': keepalive\n\n'
    finally:
        sub.close()


def events():
    """``text/event-stream``: a snapshot of the caller's instances, then instance,
    timeline, deleted and hosts events as they happen."""
    helpers.authorize(server_policies.SERVERS % 'index')
    feed = _feed()
    if feed is None:
        return flask.Response(f'retry: {RECONNECT_MS}\n: no live feed in this process\n\n',
                              mimetype='text/event-stream')
    viewer = _viewer()
    sub = feed.hub.subscribe()
    resync = feed.watch()
    stream = flask.stream_with_context(_stream(viewer, feed, sub, resync))
    return flask.Response(stream, mimetype='text/event-stream',
                          headers={'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no'})


ROUTES = [
    ('/dashboard', 'GET', page),
    ('/dashboard/static/<name>', 'GET', static),
    ('/dashboard/login', 'POST', login.login),
    ('/dashboard/api/state', 'GET', state),
    ('/dashboard/api/events', 'GET', events),
    ('/dashboard/api/servers/<server_id>/timeline', 'GET', timeline),
]


def register(app):
    for rule, method, handler in ROUTES:
        app.add_url_rule(rule, f'dashboard.{handler.__name__}', handler, methods=[method],
                         provide_automatic_options=False, strict_slashes=False)
