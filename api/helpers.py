"""What every handler needs from the current request: context, version, body, instance, links."""

import json
import re
import urllib.parse

import flask
from oslo_utils import strutils

from cepheid.api import policy
from cepheid.api.db import flavors as db_flavors
from cepheid.api.db import instances as db_instances
from cepheid.common import exception

EXTENSION = 'cepheid'
JSON_TYPES = ('application/json', 'application/vnd.openstack.compute+json')
UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$')


def services():
    """The ApiServices of this app (db, compute_api, conf)."""
    return flask.current_app.extensions[EXTENSION]['services']


def context():
    return flask.g.context


def version():
    return flask.g.api_version


def authorize(rule, target=None):
    enforcer = flask.current_app.extensions[EXTENSION]['enforcer']
    return policy.authorize(context(), rule, target, enforcer=enforcer)


def allowed(rule, target=None):
    enforcer = flask.current_app.extensions[EXTENSION]['enforcer']
    return policy.check(context(), rule, target, enforcer=enforcer)


def instance_target(instance):
    return {'project_id': instance['project_id'], 'user_id': instance['user_id']}


def json_body():
    """The decoded JSON body; None when empty. 415 for a non-JSON type, 400 if unparsable."""
    mimetype = flask.request.mimetype
    if mimetype and mimetype not in JSON_TYPES:
        raise exception.UnsupportedMediaType()
    raw = flask.request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise exception.MalformedRequestBody() from exc


def json_body_or_none():
    """The JSON body when there is a decodable one, else None (never raises)."""
    if flask.request.mimetype not in JSON_TYPES and flask.request.mimetype:
        return None
    try:
        return json_body()
    except exception.Invalid:
        return None


def load_instance(server_id, *, read_deleted=False):
    """The live (or also deleted) instance ``server_id`` visible to the caller; 404
    otherwise (even if it belongs to another project: its existence is not revealed)."""
    if not UUID_RE.match(server_id or ''):
        raise exception.InstanceNotFound(instance_id=server_id)
    ctx = context()
    project_id = None if ctx.is_admin else ctx.project_id
    with services().db.core_transaction() as session:
        return db_instances.get(session, server_id, project_id=project_id,
                                read_deleted=read_deleted)


def query_bool(name, value):
    """Nova's strict boolean query parameter (an empty value counts as true)."""
    if value == '':
        return True
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as exc:
        raise exception.ValidationError(
            detail=f"Invalid input for query parameters {name}. Value: {value}. "
                   f"'{value}' is not a valid boolean") from exc


def query_limit():
    """``limit`` capped to ``[api] max_limit``; 400 when not a non-negative integer."""
    max_limit = services().conf.api.max_limit
    value = flask.request.args.get('limit')
    if value is None:
        return max_limit
    try:
        limit = int(value)
        if limit < 0:
            raise ValueError(value)
    except ValueError as exc:
        raise exception.ValidationError(
            detail=f"Invalid input for query parameters limit. Value: {value}. "
                   f"'{value}' does not match '^[0-9]*$'") from exc
    return min(limit, max_limit)


def base_url():
    """The root URL the client used (scheme, host and any mount prefix), with a slash."""
    return flask.request.url_root


def next_links(path, items, limit, key='id'):
    """``[{"rel": "next", "href": ...}]`` when a full page was returned, else []."""
    if not items or len(items) < limit:
        return []
    params = [(k, v) for k, v in flask.request.args.items(multi=True) if k != 'marker']
    params.append(('marker', items[-1][key]))
    href = f'{base_url()}v2.1/{path}?{urllib.parse.urlencode(params)}'
    return [{'rel': 'next', 'href': href}]


def flavor_scope():
    """Whose flavors the caller sees: every one for an admin, else public + its project's."""
    ctx = context()
    return db_flavors.ALL if ctx.is_admin else ctx.project_id


def notify_flavor(flavor, action):
    """Send ``flavor.<action>`` when the services carry a flavor notifier."""
    notifier = getattr(services(), 'flavor_notifier', None)
    if notifier is not None:
        notifier.notify(context(), flavor, action)
