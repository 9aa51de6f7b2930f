"""Servers: list (summary and detail), show, create (one or several), update and delete."""

import ipaddress
import secrets
import string
import uuid as uuidlib

import flask
from oslo_utils import strutils
from oslo_utils import uuidutils

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.db import actions as db_actions
from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.api.db import services as db_services
from cepheid.api.db import tags as db_tags
from cepheid.api.handlers import keypairs as keypair_handlers
from cepheid.api.handlers import server_filters
from cepheid.api.handlers import server_groups as group_handlers
from cepheid.api.policies import flavor_extra_specs as spec_policies
from cepheid.api.policies import servers as server_policies
from cepheid.api.schemas import servers as schemas
from cepheid.api.views import servers as views
from cepheid.common import exception
from cepheid.common import states

SERVERS = server_policies.SERVERS
RESERVATION_CHARS = string.ascii_lowercase + string.digits
PASSWORD_CHARS = ''.join(c for c in string.ascii_letters + string.digits if c not in 'lIO0o1')


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


def view_options(session, *, show=False):
    """The server view options for this request (also used by the rebuild response)."""
    ctx, version = helpers.context(), helpers.version()
    host_status = None
    if version >= '2.16' and helpers.allowed(SERVERS % 'show:host_status'):
        host_status = _host_status(session)
    return views.ViewOptions(
        version=version, base_url=helpers.base_url(), show=show,
        admin_attrs=helpers.allowed(server_policies.EXTENDED_ATTRS),
        fault_details=ctx.is_admin, host_status=host_status,
        flavor_extra_specs=helpers.allowed(spec_policies.SPECS % 'index'))


def with_tags(session, instances):
    """Copies of ``instances`` carrying their ``tags`` (the 2.26+ views show them)."""
    if helpers.version() < '2.26':
        return instances
    tags = db_tags.get_many(session, [i['uuid'] for i in instances])
    return [dict(i, tags=tags[i['uuid']]) for i in instances]


def _faults(session, instances):
    errored = [i['uuid'] for i in instances if i['vm_state'] in (states.ERROR, states.DELETED)]
    return db_actions.fault_latest(session, errored)


def _list(kind):
    helpers.authorize(SERVERS % kind)
    validation.validate_query(schemas.list_query_schema(helpers.version()), flask.request.args)
    filters = server_filters.from_request(kind)
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
            rows = with_tags(session, rows)
            opts, faults = view_options(session), _faults(session, rows)
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
        opts = view_options(session, show=True)
        fault_row = _faults(session, [instance]).get(instance['uuid'])
        instance = with_tags(session, [instance])[0]
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
            flavor = db_services.flavor_get(session, flavor_id,
                                            project_id=helpers.flavor_scope())
        except exception.FlavorNotFound as exc:
            raise exception.FlavorNotFoundForCreate(flavor_id=flavor_ref) from exc
    if flavor.get('disabled'):
        raise exception.ValidationError(detail='Flavor is disabled.')
    return flavor


def _check_networks(server):
    """Nova's checks of each requested network: a port, or a network uuid."""
    networks = server.get('networks')
    if not isinstance(networks, list):
        return
    for network in networks:
        if network.get('port'):
            continue
        if 'uuid' not in network:
            raise exception.ValidationError(detail='Bad network format: missing uuid')
        if not uuidutils.is_uuid_like(network['uuid']):
            raise exception.ValidationError(
                detail='Bad networks format: network uuid is not in proper format '
                       f"({network['uuid']})")


def _counts(server):
    """(min_count, max_count) of a create; 400 when min exceeds max, as in Nova."""
    min_count = int(server.get('min_count', 1))
    max_count = int(server.get('max_count', min_count))
    if min_count > max_count:
        raise exception.ValidationError(detail='min_count must be <= max_count')
    if max_count > 1 and server.get('hostname'):
        raise exception.ValidationError(
            detail='Unable to allocate a single hostname to multiple instances')
    limit = helpers.services().conf.api.max_servers_per_create
    if min_count > limit:
        raise exception.Forbidden(
            f'Cannot create {min_count} servers in one request: at most {limit} '
            '([api] max_servers_per_create).')
    return min_count, min(max_count, limit)


def _reservation_id():
    """Nova's ``r-`` + 8 random lower-case letters and digits."""
    return 'r-' + ''.join(secrets.choice(RESERVATION_CHARS) for _ in range(8))


def access_ips(server):
    """accessIPv4/accessIPv6 of a create or update body, canonical (RFC 5952 for v6)."""
    values = {}
    if 'accessIPv4' in server:
        values['access_ip_v4'] = str(ipaddress.IPv4Address(server['accessIPv4']))
    if 'accessIPv6' in server:
        values['access_ip_v6'] = str(ipaddress.IPv6Address(server['accessIPv6']))
    return values


def _check_quotas(ctx, server, flavor, min_count, max_count):
    """How many servers the quotas allow (min..max; 403 below min_count), after the
    metadata_items quota."""
    services = helpers.services()
    with services.db.transaction() as session:
        quota.check_metadata(session, services.conf, ctx.project_id,
                             server.get('metadata') or {})
        return quota.allowed_count(session, services.conf, ctx, min_count=min_count,
                                   max_count=max_count, vcpus=flavor['vcpus'],
                                   ram=flavor['memory_mb'])


def _create_one(ctx, server, *, flavor, host, zone, extra, index, count, group):
    """Record one server of a (possibly multiple) create; names follow Nova's template."""
    name = server['name']
    instance_uuid = str(uuidlib.uuid4())
    if count > 1:
        template = helpers.services().conf.multi_instance_display_name_template
        name = template % {'name': name, 'count': index + 1, 'uuid': instance_uuid}
    extra = dict(extra, uuid=instance_uuid, launch_index=index,
                 hostname=server.get('hostname') or views.sanitized_hostname(
                     name, instance_uuid))
    # The group's uuid only when hinted: the scheduler honours its policy.
    hint = {'group': group['uuid']} if group is not None else {}
    try:
        return helpers.services().compute_api.create(
            ctx, name=name, flavor=flavor, image_ref=server.get('imageRef'), host=host,
            description=server.get('description'), metadata=server.get('metadata') or {},
            availability_zone=zone, extra=extra, **hint)
    except exception.ComputeHostNotFound as exc:
        raise exception.InvalidServerHost(host=host) from exc


def _set_tags(instance, tags):
    """The 2.52+ ``tags`` of a create, saved with the new server."""
    if tags:
        with helpers.services().db.transaction() as session:
            db_tags.replace(session, instance['uuid'], tags)


def create():
    """POST /servers: as many servers (min_count..max_count) as the quotas allow."""
    ctx, version = helpers.context(), helpers.version()
    body = helpers.json_body()
    helpers.authorize(SERVERS % 'create')
    server = validation.validate(schemas.create_schema(version), body)['server']
    zone, host = _zone_and_host(server.get('availability_zone'))
    if host:
        helpers.authorize(SERVERS % 'create:forced_host')
    _check_networks(server)
    group = group_handlers.hinted_group(body)
    min_count, count = _counts(server)
    flavor = _flavor(server['flavorRef'])
    extra = dict(access_ips(server), reservation_id=_reservation_id(),
                 key_name=keypair_handlers.key_name_for_server(server.get('key_name')),
                 user_data=server.get('user_data'))
    count = _check_quotas(ctx, server, flavor, min_count, count)
    group_handlers.check_members_quota(group, count)
    instances = []
    for index in range(count):
        instances.append(_create_one(ctx, server, flavor=flavor, host=host, zone=zone,
                                     extra=extra, index=index, count=count, group=group))
        _set_tags(instances[-1], server.get('tags'))
        group_handlers.add_member(group, instances[-1])
    if strutils.bool_from_string(server.get('return_reservation_id', False)):
        response = flask.jsonify({'reservation_id': extra['reservation_id']})
        response.status_code = 202
        return response
    admin_pass = server.get('adminPass') or ''.join(
        secrets.choice(PASSWORD_CHARS) for _ in range(12))
    view = views.created(instances[0], base_url=helpers.base_url(), admin_pass=admin_pass)
    response = flask.jsonify({'server': view})
    response.status_code = 202
    response.headers['Location'] = view['links'][0]['href']
    return response


def update(server_id):
    """PUT /servers/{id}: name, access IPs, description (2.19+), hostname (2.90+)."""
    instance = helpers.load_instance(server_id)
    helpers.authorize(SERVERS % 'update', helpers.instance_target(instance))
    version = helpers.version()
    server = validation.validate(schemas.update_schema(version), helpers.json_body())['server']
    values = access_ips(server)
    for key, column in (('name', 'display_name'), ('description', 'description'),
                        ('hostname', 'hostname')):
        if key in server:
            values[column] = server[key]
    instance = helpers.services().compute_api.update_instance(
        helpers.context(), instance, values)
    with helpers.services().db.transaction() as session:
        opts = view_options(session, show=True)
        instance = with_tags(session, [instance])[0]
    return flask.jsonify({'server': views.updated(instance, opts)})


def delete(server_id):
    """DELETE: at once, or a soft delete with ``[DEFAULT] reclaim_instance_interval`` > 0
    (then a server that never ran is deleted at once, as in Nova)."""
    instance = helpers.load_instance(server_id)
    helpers.authorize(SERVERS % 'delete', helpers.instance_target(instance))
    compute_api, ctx = helpers.services().compute_api, helpers.context()
    if helpers.services().conf.reclaim_instance_interval > 0:
        try:
            compute_api.soft_delete(ctx, instance, now=models.utcnow())
        except exception.InstanceInvalidState:
            compute_api.delete(ctx, instance)
    else:
        compute_api.delete(ctx, instance)
    return flask.Response(status=204)
