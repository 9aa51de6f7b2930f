"""os-server-groups: create, list, show and delete server groups; the group a new server
joins (``os:scheduler_hints: {group: uuid}``).

Microversions: soft-(anti-)affinity from 2.15; project_id and user_id from 2.13; one
``policy`` and its ``rules`` (max_server_per_host) instead of ``policies``/``metadata``
from 2.64. The placement the policy asks for is the scheduler's: it reads the group
(``db.server_groups.group_of`` / ``hosts_of_members``).
"""

import uuid as uuidlib

import flask
from oslo_utils import strutils
from oslo_utils import uuidutils

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.db import server_groups as db_groups
from cepheid.api.policies import server_groups as policies
from cepheid.api.schemas import server_groups as schemas
from cepheid.common import exception

GROUPS = policies.GROUPS


def view(group, version):
    body = {'id': group['uuid'], 'name': group['name'], 'members': list(group['members'])}
    if version >= '2.64':
        body.update(policy=group['policy'], rules=dict(group['rules'] or {}))
    else:
        body.update(policies=[group['policy']], metadata={})
    if version >= '2.13':
        body.update(project_id=group['project_id'], user_id=group['user_id'])
    return body


def _load(group_id):
    with helpers.services().db.transaction() as session:
        return db_groups.get(session, group_id)


def show(server_group_id):
    group = _load(server_group_id)
    helpers.authorize(GROUPS % 'show', {'project_id': group['project_id']})
    return flask.jsonify({'server_group': view(group, helpers.version())})


def delete(server_group_id):
    group = _load(server_group_id)
    helpers.authorize(GROUPS % 'delete', {'project_id': group['project_id']})
    with helpers.services().db.transaction() as session:
        db_groups.destroy(session, server_group_id)
    return flask.Response(status=204)


def _offset_limit(params):
    offset = int((params.get('offset') or [0])[0] or 0)
    return offset, helpers.query_limit()


def index():
    ctx, version = helpers.context(), helpers.version()
    helpers.authorize(GROUPS % 'index')
    params = validation.validate_query(schemas.index_query_schema(version),
                                       flask.request.args)
    all_projects = strutils.bool_from_string((params.get('all_projects') or ['0'])[0])
    project_id = ctx.project_id
    if all_projects and helpers.allowed(GROUPS % 'index:all_projects'):
        project_id = None
    offset, limit = _offset_limit(params)
    with helpers.services().db.transaction() as session:
        groups = db_groups.get_all(session, project_id=project_id, limit=limit,
                                   offset=offset)
    return flask.jsonify({'server_groups': [view(g, version) for g in groups]})


def _policy_and_rules(params, version):
    if version < '2.64':
        return params['policies'][0], {}
    policy, rules = params['policy'], dict(params.get('rules') or {})
    if rules and policy != 'anti-affinity':
        raise exception.ValidationError(
            detail=f"Only anti-affinity policy supports rules, not {policy}.")
    if 'max_server_per_host' in rules:
        rules['max_server_per_host'] = int(rules['max_server_per_host'])
    return policy, rules


def create():
    ctx, version = helpers.context(), helpers.version()
    helpers.authorize(GROUPS % 'create', {'project_id': ctx.project_id})
    params = validation.validate(schemas.create_schema(version),
                                 helpers.json_body())['server_group']
    policy, rules = _policy_and_rules(params, version)
    services = helpers.services()
    with services.db.transaction() as session:
        quota.check_server_groups(session, services.conf, ctx.project_id, ctx.user_id)
        group = db_groups.create(session, {
            'uuid': str(uuidlib.uuid4()), 'name': params['name'], 'policy': policy,
            'rules': rules, 'project_id': ctx.project_id, 'user_id': ctx.user_id})
    return flask.jsonify({'server_group': view(group, version)})


def hinted_group(body):
    """The group named by the create body's scheduler hints, or None; 400 when it does
    not exist (or is not a uuid)."""
    hints = body.get('os:scheduler_hints') or body.get('OS-SCH-HNT:scheduler_hints')
    group_id = (hints or {}).get('group')
    if group_id is None:
        return None
    if isinstance(group_id, list) and len(group_id) == 1:
        group_id = group_id[0]
    if not isinstance(group_id, str) or not uuidutils.is_uuid_like(group_id):
        raise exception.ValidationError(
            detail=f"Invalid input for field/attribute group. Value: {group_id}. "
                   f"'{group_id}' is not a 'uuid'")
    try:
        return _load(group_id)
    except exception.InstanceGroupNotFound as exc:
        raise exception.ValidationError(detail=exc.format_message()) from exc


def check_members_quota(group, count):
    if group is not None:
        services = helpers.services()
        with services.db.transaction() as session:
            quota.check_group_members(session, services.conf, group, count)


def add_member(group, instance):
    if group is not None:
        with helpers.services().db.transaction() as session:
            db_groups.add_members(session, group['uuid'], [instance['uuid']])
