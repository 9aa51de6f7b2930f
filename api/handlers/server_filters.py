"""The filters of GET /servers[/detail], read from the query string as Nova reads them."""

import re

import flask
from oslo_utils import timeutils

from cepheid.api import helpers
from cepheid.api.policies import servers as server_policies
from cepheid.api.schemas import servers as server_schemas
from cepheid.common import exception
from cepheid.common import states

SERVERS = server_policies.SERVERS

# Exact-match query parameters → instance columns.
_EXACT = {'flavor': 'flavor_id', 'image': 'image_ref', 'reservation_id': 'reservation_id'}


def _status_filters(statuses):
    """vm_states/task_states for ``status`` filters; None when no status is known."""
    vm_states, task_states, any_task = set(), set(), False
    for status in statuses:
        found = states.vm_states_for_status(status)
        if not found:
            continue
        vm_states.update(found)
        tasks = states.task_states_for_status(status)
        if tasks is None:
            any_task = True
        else:
            task_states.update(tasks)
    if not vm_states:
        return None
    return {'vm_states': sorted(vm_states),
            'task_states': None if any_task else sorted(task_states)}


def _name(args):
    try:
        re.compile(args['name'])
    except re.error as exc:
        raise exception.ValidationError(detail=f"Invalid name filter: {exc}") from exc
    return args['name']


def _changes(args, filters):
    """changes-since (and, 2.66+, changes-before) bound updated_at and include deleted
    servers, as in Nova."""
    since = args.get('changes-since')
    before = args.get('changes-before') if helpers.version() >= '2.66' else None
    if since is None and before is None:
        return
    filters['read_deleted'] = True
    if since is not None:
        filters['changes_since'] = timeutils.normalize_time(timeutils.parse_isotime(since))
    if before is not None:
        filters['changes_before'] = timeutils.normalize_time(timeutils.parse_isotime(before))
    if since is not None and before is not None and \
            filters['changes_since'] > filters['changes_before']:
        raise exception.ValidationError(
            detail='The value of changes-since must be less than or equal to '
                   'changes-before.')


def _status(args, filters):
    """False when the status filter can match nothing (unknown status before 2.38)."""
    statuses = args.getlist('status')
    if not statuses:
        filters['exclude_soft_deleted'] = True
        return True
    status_filters = _status_filters(statuses)
    if status_filters is None:
        if helpers.version() >= '2.38':
            raise exception.ValidationError(detail='Invalid status value')
        return False
    filters.update(status_filters)
    return True


def _tags(args, filters):
    """2.26+: ``tags``, ``tags-any``, ``not-tags``, ``not-tags-any``, each a comma-separated
    list (Nova splits the value on commas; a tag has none)."""
    if helpers.version() < '2.26':
        return
    tag_filters = {name.replace('-', '_'): args[name].split(',')
                   for name in server_schemas.TAG_FILTERS if name in args}
    if tag_filters:
        filters['tag_filters'] = tag_filters


def from_request(kind):
    """The db filters of a GET /servers[/detail]; None when nothing can match.

    all_tenants and host need admin. Cepheid has no network service, so no server has
    an address and an ``ip``/``ip6`` filter matches nothing.
    """
    args, ctx = flask.request.args, helpers.context()
    filters = {'project_id': ctx.project_id}
    if 'all_tenants' in args and helpers.query_bool('all_tenants', args['all_tenants']):
        helpers.authorize(SERVERS % f'{kind}:get_all_tenants')
        filters['project_id'] = args.get('project_id') or args.get('tenant_id')
    if args.get('name'):
        filters['name'] = _name(args)
    if 'host' in args and helpers.allowed(SERVERS % 'allow_all_filters'):
        filters['host'] = args['host']
    for param, column in _EXACT.items():
        if param in args:
            filters[column] = args[param]
    _changes(args, filters)
    _tags(args, filters)
    if not _status(args, filters):
        return None
    if 'ip' in args or 'ip6' in args:
        return None
    return filters
