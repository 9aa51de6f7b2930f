"""os-hypervisors: the compute nodes with their reported capacity and claimed usage.

Before 2.53 also ``/{hostname_pattern}/search`` and ``/{hostname_pattern}/servers``; before
2.88 ``/{id}/uptime``, read from the node's compute by an RPC call.
"""

import uuid

import flask
from oslo_utils import strutils
from werkzeug import exceptions as wz_exceptions

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import compute_nodes as db_nodes
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.api.policies import hypervisors as policies
from cepheid.api.schemas import hypervisors as schemas
from cepheid.api.views import hypervisors as views
from cepheid.common import exception

COMPUTE = 'cepheid-compute'


def _with_servers(params):
    values = params.get('with_servers') or ['false']
    return strutils.bool_from_string(values[0], strict=True)


def _load(session, nodes, with_servers):
    """(services by host, workloads by host, servers by host or None)."""
    services = {s['host']: s for s in db_services.service_list(session, binary=COMPUTE)}
    workloads = db_nodes.workload_by_host(session)
    servers = None
    if with_servers:
        servers = {n['host']: db_instances.get_all(session, host=n['host']) for n in nodes}
    return services, workloads, servers


def _page(nodes, version, params):
    marker = (params.get('marker') or [None])[-1]
    if version < '2.33':
        return nodes, None
    limit = helpers.query_limit()
    if marker is not None:
        index = next((i for i, n in enumerate(nodes)
                      if str(views.hypervisor_id(n, version)) == marker), None)
        if index is None:
            raise exception.ValidationError(detail=f'marker [{marker}] not found')
        nodes = nodes[index + 1:]
    return nodes[:limit], limit


def _list(policy, render):
    helpers.authorize(policies.HYPERVISORS % policy, {})
    version = helpers.version()
    params = validation.validate_query(schemas.list_query_schema(version), flask.request.args)
    pattern = (params.get('hypervisor_hostname_pattern') or [None])[-1]
    if pattern is not None and ('limit' in params or 'marker' in params):
        raise exception.ValidationError(
            detail='Paging over hypervisors with the hypervisor_hostname_pattern query '
                   'parameter is not supported.')
    conf = helpers.services().conf
    with helpers.services().db.transaction() as session:
        nodes = db_nodes.get_all(session, hypervisor_hostname_pattern=pattern)
        if pattern is not None and not nodes:
            raise exception.NotFound(f'No hypervisor matching {pattern!r} could be found.')
        nodes, limit = _page(nodes, version, params)
        services, workloads, servers = _load(session, nodes, _with_servers(params))
    items = []
    for node in nodes:
        service = services.get(node['host'])
        is_up = service is not None and db_services.is_up(service, conf.service_down_time)
        items.append(render(node, service, version=version, is_up=is_up,
                            workload=workloads.get(node['host'], 0),
                            servers=None if servers is None else servers.get(node['host'], [])))
    body = {'hypervisors': items}
    if limit is not None:
        path = flask.request.path.split('/v2.1/', 1)[-1]
        links = helpers.next_links(path, items, limit)
        if links:
            body['hypervisors_links'] = links
    return flask.jsonify(body)


def index():
    return _list('list', lambda node, service, workload, **kw: views.summary(node, service, **kw))


def detail():
    return _list('list-detail', views.detail)


def show(hypervisor_id):
    helpers.authorize(policies.HYPERVISORS % 'show', {})
    version = helpers.version()
    params = validation.validate_query(schemas.show_query_schema(version), flask.request.args)
    conf = helpers.services().conf
    with helpers.services().db.transaction() as session:
        node = _find(session, hypervisor_id, version)
        services, workloads, servers = _load(session, [node], _with_servers(params))
    service = services.get(node['host'])
    is_up = service is not None and db_services.is_up(service, conf.service_down_time)
    line = _uptime_or_none(node['host']) if version >= '2.88' and is_up else None
    view = views.detail(node, service, version=version, is_up=is_up, uptime=True,
                        uptime_line=line, workload=workloads.get(node['host'], 0),
                        servers=None if servers is None else servers.get(node['host'], []))
    return flask.jsonify({'hypervisor': view})


def _uptime_or_none(host):
    """The show view's uptime (2.88+): None when the driver cannot tell, as in Nova."""
    try:
        return helpers.services().compute_api.get_host_uptime(helpers.context(), host)
    except NotImplementedError:
        return None


def _find(session, hypervisor_id, version):
    node = None
    if version >= '2.53':
        try:
            uuid.UUID(hypervisor_id)
        except ValueError:
            raise exception.ValidationError(detail=f'Invalid uuid {hypervisor_id}') from None
        node = db_nodes.get(session, node_uuid=hypervisor_id)
    elif hypervisor_id.isdigit():
        node = db_nodes.get(session, node_id=int(hypervisor_id))
    if node is None:
        raise exception.NotFound(f'Hypervisor with ID {hypervisor_id} could not be found.')
    return node


def statistics():
    """Totals over every compute node; gone at 2.88 (404), as in Nova."""
    helpers.authorize(policies.HYPERVISORS % 'statistics', {})
    if helpers.version() >= '2.88':
        raise wz_exceptions.NotFound()
    with helpers.services().db.transaction() as session:
        nodes = db_nodes.get_all(session)
        _, workloads, _ = _load(session, nodes, False)
    return flask.jsonify({'hypervisor_statistics': views.statistics(nodes, workloads)})


NOT_SUPPORTED = 'The requested functionality is not supported.'


def _nodes_matching(session, pattern):
    nodes = db_nodes.get_all(session, hypervisor_hostname_pattern=pattern)
    if not nodes:
        raise exception.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return nodes


def _by_pattern(policy, hostname_pattern, with_servers):
    """search and servers (before 2.53, 404 from 2.53 as in Nova): summary views."""
    helpers.authorize(policies.HYPERVISORS % policy, {})
    version = helpers.version()
    if version >= '2.53':
        raise wz_exceptions.NotFound()
    conf = helpers.services().conf
    with helpers.services().db.transaction() as session:
        nodes = _nodes_matching(session, hostname_pattern)
        services, _, servers = _load(session, nodes, with_servers)
    items = []
    for node in nodes:
        service = services.get(node['host'])
        is_up = service is not None and db_services.is_up(service, conf.service_down_time)
        items.append(views.summary(node, service, version=version, is_up=is_up,
                                   servers=None if servers is None else servers[node['host']]))
    return flask.jsonify({'hypervisors': items})


def search(hostname_pattern):
    return _by_pattern('search', hostname_pattern, False)


def servers(hostname_pattern):
    return _by_pattern('servers', hostname_pattern, True)


def uptime(hypervisor_id):
    """The node's summary plus its compute's ``uptime`` line; gone at 2.88 (404)."""
    helpers.authorize(policies.HYPERVISORS % 'uptime', {})
    version = helpers.version()
    if version >= '2.88':
        raise wz_exceptions.NotFound()
    conf = helpers.services().conf
    with helpers.services().db.transaction() as session:
        node = _find(session, hypervisor_id, version)
        service = _load(session, [node], False)[0].get(node['host'])
    if service is None or not db_services.is_up(service, conf.service_down_time):
        raise exception.ComputeServiceUnavailable(host=node['host'])
    try:
        line = helpers.services().compute_api.get_host_uptime(helpers.context(), node['host'])
    except NotImplementedError as exc:
        raise exception.NotSupported(detail=NOT_SUPPORTED) from exc
    view = views.summary(node, service, version=version, is_up=True)
    view['uptime'] = line
    return flask.jsonify({'hypervisor': view})
