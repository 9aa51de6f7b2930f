"""os-simple-tenant-usage: hours, vCPU, memory and disk usage of tenants over a window.

Every instance launched before the window's end and not terminated before its start
counts, deleted ones included. The window's end is cut at now. From 2.40 the instances
are paged (``limit``/``marker``, an instance uuid, with ``*_links``); before, at most
``[api] max_limit`` instances are read, as in Nova.
"""

import datetime

import flask
from oslo_utils import timeutils
from werkzeug import exceptions as wz_exceptions

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import tenant_usage as db_usage
from cepheid.api.policies import simple_tenant_usage as policies
from cepheid.api.schemas import simple_tenant_usage as schemas
from cepheid.api.views import simple_tenant_usage as views
from cepheid.common import exception

COLLECTION = 'os-simple-tenant-usage'
TIME_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d %H:%M:%S.%f')


def parse_datetime(value):
    """Nova's accepted forms (naive UTC); empty or absent: now."""
    if not value:
        return timeutils.utcnow()
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise exception.ValidationError(
        detail='Invalid datetime string: Datetime is in invalid format')


def _window(params):
    start = parse_datetime((params.get('start') or [None])[0])
    end = (params.get('end') or [None])[0]
    # Both absent: Nova's two clock reads; never the same instant (a spurious 400).
    stop = parse_datetime(end) if end else max(timeutils.utcnow(),
                                               start + datetime.timedelta(microseconds=1))
    if not start < stop:
        raise exception.ValidationError(
            detail='Invalid start time. The start time cannot occur after the end time.')
    now = timeutils.utcnow()
    return start, min(stop, now), now


def _usages(params, *, project_id, detailed):
    """(summaries, server usages, limit or None) of the request's window and page."""
    start, stop, now = _window(params)
    limit, marker = helpers.services().conf.api.max_limit, None
    paged = helpers.version() >= '2.40'
    if paged:
        limit = helpers.query_limit()
        marker = (params.get('marker') or [None])[-1]
    with helpers.services().db.transaction() as session:
        try:
            instances = db_usage.active_by_window(session, begin=start, end=stop,
                                                  project_id=project_id, limit=limit,
                                                  marker=marker)
        except exception.MarkerNotFound as exc:
            raise exception.ValidationError(detail=exc.format_message()) from exc
    summaries, servers = views.tenant_usages(instances, start, stop, now, detailed=detailed)
    return summaries, servers, limit if paged else None


def _links(body, key, path, servers, limit):
    if limit is not None:
        links = helpers.next_links(path, servers, limit, key='instance_id')
        if links:
            body[key] = links
    return flask.jsonify(body)


def index():
    helpers.authorize(policies.USAGE % 'list', {})
    if flask.request.path.endswith('/'):
        # /os-simple-tenant-usage/ is the show of an empty tenant id: Nova has no such route.
        raise wz_exceptions.NotFound()
    params = validation.validate_query(schemas.index_query(helpers.version()),
                                       flask.request.args)
    detailed = (params.get('detailed') or ['0'])[0] == '1'
    summaries, servers, limit = _usages(params, project_id=None, detailed=detailed)
    return _links({'tenant_usages': summaries}, 'tenant_usages_links', COLLECTION, servers,
                  limit)


def show(tenant_id):
    helpers.authorize(policies.USAGE % 'show', {'project_id': tenant_id})
    params = validation.validate_query(schemas.show_query(helpers.version()),
                                       flask.request.args)
    summaries, servers, limit = _usages(params, project_id=tenant_id, detailed=True)
    return _links({'tenant_usage': summaries[0] if summaries else {}}, 'tenant_usage_links',
                  f'{COLLECTION}/{tenant_id}', servers, limit)
