"""/os-hosts (deprecated; removed at 2.43): the hosts of the enabled services, a host's
capacity and resources by project, and the host actions Cepheid's drivers do not implement.

As Nova answers with a driver lacking them (libvirt): ``maintenance_mode``, ``status`` and
the reboot/shutdown/startup power actions are 501 once the host is known to be a compute.
"""

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import compute_nodes as db_compute_nodes
from cepheid.api.db import instances as db_instances
from cepheid.api.db import services as db_services
from cepheid.api.policies import hosts as policies
from cepheid.api.schemas import hosts as schemas
from cepheid.api.views import services as service_views
from cepheid.common import binaries
from cepheid.common import exception

MAX_VERSION = '2.42'


def _check_version():
    if helpers.version() > MAX_VERSION:
        raise exception.NotFound('The resource could not be found.')


def _session():
    return helpers.services().db.transaction()


def index():
    _check_version()
    helpers.authorize(policies.HOSTS % 'list', {})
    zone = flask.request.args.get('zone')
    with _session() as session:
        rows = [r for r in db_services.service_list(session) if not r.get('disabled')]
        zones = db_aggregates.host_zones(session)
    hosts = [{'host_name': r['host'], 'service': r['topic'] or r['binary'],
              'zone': service_views.zone(r, zones)} for r in rows]
    if zone:
        hosts = [h for h in hosts if h['zone'] == zone]
    return flask.jsonify({'hosts': hosts})


def check_compute_host(session, host):
    """404 (Nova's ComputeHostNotFound) unless ``host`` runs a compute service."""
    if not db_services.service_list(session, binary=binaries.canonical(binaries.COMPUTE),
                                    host=host):
        raise exception.ComputeHostNotFound(host=host)


def _row(host, project, cpu, memory_mb, disk_gb):
    return {'resource': {'host': host, 'project': project, 'cpu': cpu,
                         'memory_mb': memory_mb, 'disk_gb': disk_gb}}


def _used(host, project, instances):
    return _row(host, project, sum(i['vcpus'] for i in instances),
                sum(i['memory_mb'] for i in instances),
                sum(i['root_gb'] + (i['ephemeral_gb'] or 0) for i in instances))


def _node(session, host):
    """The compute node of ``host`` (404 before its compute reported one, as in Nova)."""
    for node in db_compute_nodes.get_all(session):
        if node['host'] == host:
            return node
    raise exception.ComputeHostNotFound(host=host)


def show(host_name):
    """Nova's rows: ``(total)`` (the node's capacity), ``(used_now)`` (the scheduler's
    claims), ``(used_max)`` (the instances' flavors), then one per project there."""
    _check_version()
    helpers.authorize(policies.HOSTS % 'show', {})
    with _session() as session:
        check_compute_host(session, host_name)
        node = _node(session, host_name)
        instances = db_instances.get_all(session, host=host_name)
    projects = sorted({i['project_id'] for i in instances})
    return flask.jsonify({'host': [
        _row(host_name, '(total)', node['vcpus'], node['memory_mb'], node['local_gb']),
        _row(host_name, '(used_now)', node['vcpus_used'], node['memory_mb_used'],
             node['local_gb_used']),
        _used(host_name, '(used_max)', instances),
        *(_used(host_name, p, [i for i in instances if i['project_id'] == p])
          for p in projects)]})


def update(host_name):
    _check_version()
    helpers.authorize(policies.HOSTS % 'update', {})
    body = validation.validate(schemas.update, helpers.json_body())
    with _session() as session:
        check_compute_host(session, host_name)
    what = 'Putting a host in maintenance mode' if 'maintenance_mode' in body else \
        'Enabling or disabling a host through os-hosts (use os-services)'
    raise exception.NotImplementedYet(what=what)


def _power_action(host_name, rule, action):
    _check_version()
    helpers.authorize(policies.HOSTS % rule, {})
    with _session() as session:
        check_compute_host(session, host_name)
    raise exception.NotImplementedYet(what=f'The host power action {action}')


def reboot(host_name):
    return _power_action(host_name, 'reboot', 'reboot')


def shutdown(host_name):
    return _power_action(host_name, 'shutdown', 'shutdown')


def startup(host_name):
    return _power_action(host_name, 'start', 'startup')
