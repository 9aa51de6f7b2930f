"""Servers: list (summary and detail), show, create and delete."""

import re
import secrets
import string

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.api.policies import servers as server_policies
from cepheid.api.schemas import servers as schemas
from cepheid.api.views import servers as views
from cepheid.common import exception
from cepheid.common import states

SERVERS = server_policies.SERVERS
PASSWORD_CHARS = ''.join(c for c in string.ascii_letters + string.digits if c not in 'lIO0o1')


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


def _filters(kind):
    """The db filters of a GET /servers[/detail]; all_tenants and host need admin."""
    args, ctx = flask.request.args, helpers.context()
    filters = {'project_id': ctx.project_id}
    if 'all_tenants' in args and helpers.query_bool('all_tenants', args['all_tenants']):
        helpers.authorize(SERVERS % f'{kind}:get_all_tenants')
        filters['project_id'] = args.get('project_id') or args.get('tenant_id')
    if args.get('name'):
        try:
            re.compile(args['name'])
        except re.error as exc:
            raise exception.ValidationError(detail=f"Invalid name filter: {exc}") from exc
        filters['name'] = args['name']
    if 'host' in args and helpers.allowed(SERVERS % 'allow_all_filters'):
        filters['host'] = args['host']
    statuses = args.getlist('status')
    if statuses:
        status_filters = _status_filters(statuses)
        if status_filters is None:
            if helpers.version() >= '2.38':
                raise exception.ValidationError(detail='Invalid status value')
            return None
        filters.update(status_filters)
    return filters


def _host_status(session):
    """{host: UP|DOWN|MAINTENANCE} from the compute services' heartbeats."""
    down_time = helpers.services().conf.service_down_time
    result = {}
    for svc in db_services.service_list(session):
        if not svc['binary'].endswith('compute'):
            continue
        if svc['disabled']:
            result[svc['host']] = 'MAINTENANCE'
        else:
            result[svc['host']] = 'UP' if db_services.is_up(svc, down_time) else 'DOWN'
    return result


def _view_options(session, *, show=False):
    ctx, version = helpers.context(), helpers.version()
    host_status = None
    if version >= '2.16' and helpers.allowed(SERVERS % 'show:host_status'):
        host_status = _host_status(session)
    return views.ViewOptions(
        version=version, base_url=helpers.base_url(), show=show,
        admin_attrs=helpers.allowed(server_policies.EXTENDED_ATTRS),
        fault_details=ctx.is_admin, host_status=host_status)


def _faults(session, instances):
    errored = [i['uuid'] for i in instances if i['vm_state'] in (states.ERROR, states.DELETED)]
    return db_actions.fault_latest(session, errored)


def _list(kind):
    helpers.authorize(SERVERS % kind)
    validation.validate_query(schemas.list_query, flask.request.args)
    filters = _filters(kind)
    limit = helpers.query_limit()
    marker = flask.request.args.get('marker')
    if filters is None:
        return flask.jsonify({'servers': []})
    with helpers.services().db.transaction() as session:
        try:
            rows = db_instances.get_all(session, limit=limit, marker=marker, **filters)
        except exception.Invalid as exc:
            raise exception.ValidationError(detail=f'marker [{marker}] not found') from exc
        if kind == 'detail':
            opts, faults = _view_options(session), _faults(session, rows)
            servers = [views.detail(r, opts, fault_row=faults.get(r['uuid'])) for r in rows]
        else:
            servers = [views.basic(r, base_url=helpers.base_url()) for r in rows]
    body = {'servers': servers}
    links = helpers.next_links('servers' if kind == 'index' else 'servers/detail',
                               servers, limit)
    if links:
        body['servers_links'] = links
    return flask.jsonify(body)


def index():
    return _list('index')


def detail():
    return _list('detail')


def show(server_id):
    instance = helpers.load_instance(server_id)
    helpers.authorize(SERVERS % 'show', helpers.instance_target(instance))
    with helpers.services().db.transaction() as session:
        opts = _view_options(session, show=True)
        fault_row = _faults(session, [instance]).get(instance['uuid'])
    return flask.jsonify({'server': views.detail(instance, opts, fault_row=fault_row)})


def _zone_and_host(availability_zone):
    """(zone, host) of ``zone[:host[:node]]``; empty parts are None."""
    parts = (availability_zone or '').split(':')
    zone = parts[0] or None
    host = parts[1] if len(parts) > 1 and parts[1] else None
    return zone, host


def _flavor(flavor_ref):
    flavor_id = str(flavor_ref).rstrip('/').rsplit('/', 1)[-1]
    with helpers.services().db.transaction() as session:
        try:
            flavor = db_services.flavor_get(session, flavor_id)
        except exception.FlavorNotFound as exc:
            raise exception.FlavorNotFoundForCreate(flavor_id=flavor_ref) from exc
    if flavor.get('disabled'):
        raise exception.ValidationError(detail='Flavor is disabled.')
    return flavor


def create():
    ctx, version = helpers.context(), helpers.version()
    body = helpers.json_body()
    helpers.authorize(SERVERS % 'create')
    server = validation.validate(schemas.create_schema(version), body)['server']
    zone, host = _zone_and_host(server.get('availability_zone'))
    if host:
        helpers.authorize(SERVERS % 'create:forced_host')
    try:
        instance = helpers.services().compute_api.create(
            ctx, name=server['name'], flavor=_flavor(server['flavorRef']),
            image_ref=server.get('imageRef'), host=host,
            description=server.get('description'), metadata=server.get('metadata') or {},
            availability_zone=zone)
    except exception.ComputeHostNotFound as exc:
        raise exception.InvalidServerHost(host=host) from exc
    admin_pass = server.get('adminPass') or ''.join(
        secrets.choice(PASSWORD_CHARS) for _ in range(12))
    view = views.created(instance, base_url=helpers.base_url(), admin_pass=admin_pass)
    response = flask.jsonify({'server': view})
    response.status_code = 202
    response.headers['Location'] = view['links'][0]['href']
    return response


def delete(server_id):
    instance = helpers.load_instance(server_id)
    helpers.authorize(SERVERS % 'delete', helpers.instance_target(instance))
    helpers.services().compute_api.delete(helpers.context(), instance)
    return flask.Response(status=204)
