"""The OpenAPI 3.1 document of the served API, generated from the URL map and the schemas.

Paths and methods come from the app's URL map (whatever is routed is documented); request
bodies and query parameters are the JSON schemas in ``api/schemas`` the handlers validate
with, taken at the maximum microversion. Only summaries and status codes are written here.
"""

import copy
import dataclasses
import re
from collections.abc import Callable

from cepheid.api import auth
from cepheid.api import errors
from cepheid.api import microversion
from cepheid.api.schemas import aggregates as aggregate_schemas
from cepheid.api.schemas import flavor_access as access_schemas
from cepheid.api.schemas import flavor_extra_specs as spec_schemas
from cepheid.api.schemas import flavors as flavor_schemas
from cepheid.api.schemas import hosts as host_schemas
from cepheid.api.schemas import hypervisors as hypervisor_schemas
from cepheid.api.schemas import instance_actions as ia_schemas
from cepheid.api.schemas import keypairs as keypair_schemas
from cepheid.api.schemas import limits as limits_schemas
from cepheid.api.schemas import migrations as migration_schemas
from cepheid.api.schemas import quota_sets as quota_schemas
from cepheid.api.schemas import server_actions as action_schemas
from cepheid.api.schemas import server_external_events as event_schemas
from cepheid.api.schemas import server_groups as group_schemas
from cepheid.api.schemas import server_metadata as metadata_schemas
from cepheid.api.schemas import server_tags as tag_schemas
from cepheid.api.schemas import servers as server_schemas
from cepheid.api.schemas import services as service_schemas
from cepheid.api.schemas import simple_tenant_usage as usage_schemas

OPENAPI_VERSION = '3.1.0'
_ARG_RE = re.compile(r'<(?:[^:<>]+:)?([^<>]+)>')


@dataclasses.dataclass(frozen=True)
class Operation:
    """What the URL map does not say about one endpoint."""

    summary: str
    responses: tuple = (200,)
    # body(version) / query(version) -> a JSON schema (query: Nova's list-valued form)
    body: Callable | None = None
    query: Callable | None = None


def _actions_body(version):
    return {'oneOf': list(action_schemas.by_action(version).values())}


OPERATIONS = {
    'versions.root': Operation('List API versions'),
    'versions.v21': Operation('Show the v2.1 version document'),
    'openapi.show': Operation('This OpenAPI document'),
    'flavors.index': Operation('List flavors', (200, 400),
                               query=flavor_schemas.index_query_schema),
    'flavors.detail': Operation('List flavors with details', (200, 400),
                                query=flavor_schemas.index_query_schema),
    'flavors.show': Operation('Show a flavor', (200, 404)),
    'flavors.create': Operation('Create a flavor (admin)', (200, 400, 403, 409),
                                body=flavor_schemas.create_schema),
    'flavors.update': Operation("Update a flavor's description (2.55+, admin)",
                                (200, 400, 403, 404), body=lambda v: flavor_schemas.update_v255),
    'flavors.delete': Operation('Delete a flavor (admin)', (202, 403, 404)),
    'flavor_access.index': Operation('List the projects of a non-public flavor (admin)',
                                     (200, 403, 404)),
    'flavor_access.action': Operation(
        'addTenantAccess or removeTenantAccess (admin)', (200, 400, 403, 404, 409),
        body=lambda v: {'oneOf': [access_schemas.add_tenant_access,
                                  access_schemas.remove_tenant_access]}),
    'flavor_extra_specs.index': Operation("List a flavor's extra specs", (200, 403, 404)),
    'flavor_extra_specs.create': Operation('Create or update extra specs (admin)',
                                           (200, 400, 403, 404),
                                           body=lambda v: spec_schemas.create),
    'flavor_extra_specs.show': Operation('Show one extra spec', (200, 403, 404)),
    'flavor_extra_specs.update': Operation('Update one extra spec (admin)',
                                           (200, 400, 403, 404),
                                           body=lambda v: spec_schemas.update),
    'flavor_extra_specs.delete': Operation('Delete one extra spec (admin)', (200, 403, 404)),
    'keypairs.index': Operation('List key pairs', (200, 400, 403),
                                query=keypair_schemas.index_query_schema),
    'keypairs.create': Operation('Create (generate) or import a key pair',
                                 (200, 201, 400, 403, 409),
                                 body=keypair_schemas.create_schema),
    'keypairs.show': Operation('Show a key pair', (200, 400, 403, 404),
                               query=keypair_schemas.item_query_schema),
    'keypairs.delete': Operation('Delete a key pair', (202, 204, 400, 403, 404),
                                 query=keypair_schemas.item_query_schema),
    'servers.index': Operation('List servers', (200, 400, 403),
                               query=server_schemas.list_query_schema),
    'servers.detail': Operation('List servers with details', (200, 400, 403),
                                query=server_schemas.list_query_schema),
    'servers.create': Operation('Create a server', (202, 400, 403, 413, 415),
                                body=server_schemas.create_schema),
    'servers.show': Operation('Show a server', (200, 404)),
    'servers.update': Operation('Update a server (name, description, access IPs, hostname)',
                                (200, 400, 403, 404, 413, 415),
                                body=server_schemas.update_schema),
    'servers.delete': Operation('Delete a server', (204, 404, 409)),
    'server_actions.action': Operation(
        'Run a server action (reboot, lock, unlock, os-start, os-stop, pause, unpause, '
        'suspend, resume, os-resetState, injectNetworkInfo, migrate, restore, forceDelete, '
        'rebuild, rescue, unrescue, trigger_crash_dump, changePassword, os-getConsoleOutput)',
        (200, 202, 400, 403, 404, 409, 413, 415, 501), body=_actions_body),
    'instance_actions.index': Operation("List a server's actions, newest first",
                                        (200, 400, 404), query=ia_schemas.list_query_schema),
    'instance_actions.show': Operation('Show a server action and its events', (200, 404)),
    'services.index': Operation('List compute services', (200, 403)),
    'services.update': Operation(
        'Enable, disable or force down a compute service (by id from 2.53; the enable, '
        'disable, disable-log-reason and force-down actions before)', (200, 400, 403, 404),
        body=service_schemas.update_schema),
    'hypervisors.index': Operation('List hypervisors (admin)', (200, 400, 403, 404),
                                   query=hypervisor_schemas.list_query_schema),
    'hypervisors.detail': Operation('List hypervisors with details (admin)',
                                    (200, 400, 403, 404),
                                    query=hypervisor_schemas.list_query_schema),
    'hypervisors.statistics': Operation('Hypervisor totals (admin; gone at 2.88)',
                                        (200, 403, 404)),
    'hypervisors.show': Operation('Show a hypervisor (admin)', (200, 400, 403, 404),
                                  query=hypervisor_schemas.show_query_schema),
    'hypervisors.uptime': Operation("A hypervisor's uptime from its compute (admin; gone "
                                    'at 2.88)', (200, 400, 403, 404, 501)),
    'hypervisors.search': Operation('Hypervisors matching a hostname pattern (admin; before '
                                    '2.53)', (200, 403, 404)),
    'hypervisors.servers': Operation('Hypervisors matching a hostname pattern with their '
                                     'servers (admin; before 2.53)', (200, 403, 404)),
    'server_diagnostics.show': Operation("A server's diagnostics from its compute (admin)",
                                         (200, 403, 404, 409, 501)),
    'simple_tenant_usage.index': Operation('Usage of every tenant over a window (admin)',
                                           (200, 400, 403),
                                           query=usage_schemas.index_query),
    'simple_tenant_usage.show': Operation("A tenant's usage over a window", (200, 400, 403),
                                          query=usage_schemas.show_query),
    'instance_usage_audit_log.index': Operation(
        'The instance usage audits of the last completed audit period (admin)', (200, 403)),
    'instance_usage_audit_log.show': Operation(
        'The instance usage audits of the period completed last before a time (admin)',
        (200, 400, 403)),
    'services.delete': Operation('Delete a compute service', (204, 400, 403, 404, 409)),
    'availability_zones.index': Operation('List availability zones'),
    'extensions.index': Operation("List Nova's v2.0 extension aliases"),
    'extensions.show': Operation('Show an extension by alias', (200, 404)),
    'limits.show': Operation('Show absolute limits and usage', (200, 400, 403),
                             query=limits_schemas.query_schema),
    'server_metadata.index': Operation("List a server's metadata", (200, 403, 404)),
    'server_metadata.show': Operation('Show one metadata item', (200, 403, 404)),
    'server_metadata.create': Operation('Merge items into the metadata', (200, 400, 403, 404, 409),
                                        body=lambda v: metadata_schemas.metadata_body),
    'server_metadata.update_all': Operation('Replace the metadata', (200, 400, 403, 404, 409),
                                            body=lambda v: metadata_schemas.metadata_body),
    'server_metadata.update': Operation('Set one metadata item', (200, 400, 403, 404, 409),
                                        body=lambda v: metadata_schemas.item_body),
    'server_metadata.delete': Operation('Delete one metadata item', (204, 403, 404, 409)),
    'server_external_events.create': Operation(
        'Send external events to the hosts of their servers (admin)', (200, 207, 400, 403),
        body=event_schemas.create_schema),
    'server_tags.index': Operation("List a server's tags (2.26+)", (200, 403, 404)),
    'server_tags.update_all': Operation('Replace the tags (2.26+)', (200, 400, 403, 404, 409),
                                        body=lambda v: tag_schemas.update_all),
    'server_tags.delete_all': Operation('Delete every tag (2.26+)', (204, 403, 404, 409)),
    'server_tags.show': Operation('Check that a server has a tag (2.26+)', (204, 403, 404)),
    'server_tags.update': Operation('Add one tag (2.26+)', (201, 204, 400, 403, 404, 409)),
    'server_tags.delete': Operation('Delete one tag (2.26+)', (204, 403, 404, 409)),
    'server_password.show': Operation("Show a server's encrypted password", (200, 403, 404)),
    'server_password.clear': Operation("Clear a server's encrypted password",
                                       (204, 403, 404)),
    'availability_zones.detail': Operation('List availability zones with their hosts',
                                           (200, 403)),
    'server_groups.index': Operation('List server groups', (200, 400, 403),
                                     query=group_schemas.index_query_schema),
    'server_groups.create': Operation('Create a server group', (200, 400, 403),
                                      body=group_schemas.create_schema),
    'server_groups.show': Operation('Show a server group', (200, 403, 404)),
    'server_groups.delete': Operation('Delete a server group', (204, 403, 404)),
    'quota_sets.show': Operation('Show the quotas of a project or user', (200, 400, 403),
                                 query=quota_schemas.query_schema),
    'quota_sets.update': Operation('Update the quotas of a project or user', (200, 400, 403),
                                   body=quota_schemas.update_schema,
                                   query=quota_schemas.query_schema),
    'quota_sets.delete': Operation('Revert quotas to the defaults', (202, 400, 403),
                                   query=quota_schemas.query_schema),
    'quota_sets.defaults': Operation('Show the default quotas', (200, 403)),
    'quota_sets.detail': Operation('Show quotas with their usage', (200, 400, 403),
                                   query=quota_schemas.query_schema),
}

# os-aggregates and os-hosts (admin).
OPERATIONS.update({
    'aggregates.index': Operation('List host aggregates', (200, 403)),
    'aggregates.create': Operation('Create a host aggregate', (200, 400, 403, 409),
                                   body=lambda v: aggregate_schemas.create),
    'aggregates.show': Operation('Show a host aggregate', (200, 400, 403, 404)),
    'aggregates.update': Operation('Rename an aggregate or set its availability zone',
                                   (200, 400, 403, 404, 409),
                                   body=lambda v: aggregate_schemas.update),
    'aggregates.delete': Operation('Delete an empty host aggregate', (200, 400, 403, 404)),
    'aggregates.action': Operation(
        'add_host, remove_host or set_metadata', (200, 400, 403, 404, 409),
        body=lambda v: {'oneOf': [aggregate_schemas.add_host, aggregate_schemas.remove_host,
                                  aggregate_schemas.set_metadata]}),
    'hosts.index': Operation('List hosts (deprecated, to 2.42)', (200, 403, 404)),
    'hosts.show': Operation("Show a host's resources by project (to 2.42)", (200, 403, 404)),
    'hosts.update': Operation('Host status or maintenance mode (to 2.42; 501)',
                              (400, 403, 404, 501), body=lambda v: host_schemas.update),
    'hosts.reboot': Operation('Reboot a host (to 2.42; 501)', (403, 404, 501)),
    'hosts.shutdown': Operation('Shut down a host (to 2.42; 501)', (403, 404, 501)),
    'hosts.startup': Operation('Start a host (to 2.42; 501)', (403, 404, 501)),
    'migrations.index': Operation('List migrations (admin)', (200, 400, 403),
                                  query=migration_schemas.list_query_schema),
    'migrations.server_index': Operation(
        "List a server's in-progress live migrations (2.23+, admin)", (200, 403, 404)),
    'migrations.server_show': Operation(
        "Show a server's in-progress live migration (2.23+, admin)", (200, 403, 404)),
    'migrations.force_complete': Operation(
        "Force a server's running live migration to complete (2.22+, admin)",
        (202, 400, 403, 404, 409), body=lambda v: migration_schemas.force_complete),
    'migrations.delete': Operation(
        "Abort a server's running live migration (2.24+, admin)", (202, 400, 403, 404, 409)),
})

FAULT_SCHEMA = {
    'type': 'object',
    'description': 'Nova\'s fault body: {"<name>": {"code": N, "message": "..."}}',
    'minProperties': 1, 'maxProperties': 1,
    'additionalProperties': {
        'type': 'object',
        'properties': {'code': {'type': 'integer'}, 'message': {'type': 'string'}},
        'required': ['code', 'message'],
    },
}


def openapi_path(rule):
    """``/v2.1/servers/<server_id>`` → ``/v2.1/servers/{server_id}``."""
    return _ARG_RE.sub(r'{\1}', rule)


def _path_params(rule):
    return [{'name': name, 'in': 'path', 'required': True, 'schema': {'type': 'string'}}
            for name in _ARG_RE.findall(rule)]


def query_params(schema):
    """OpenAPI parameters for a Nova query schema (every value a list of strings)."""
    params = []
    for name, prop in (schema or {}).get('properties', {}).items():
        param = {'name': name, 'in': 'query', 'required': False}
        if prop.get('maxItems') == 1:
            param['schema'] = copy.deepcopy(prop['items'])
        else:
            param.update(schema=copy.deepcopy(prop), style='form', explode=True)
        params.append(param)
    return params


def _responses(codes, public):
    responses = {}
    for code in sorted(set(codes) | (set() if public else {401})):
        if code < 400:
            responses[str(code)] = {'description': 'Success'}
        else:
            responses[str(code)] = {
                'description': errors.fault_name(code),
                'content': {'application/json': {'schema': {'$ref': '#/components/schemas/Fault'}}},
            }
    return responses


def _fallback(view_func):
    doc = (getattr(view_func, '__doc__', None) or '').strip()
    module_doc = (getattr(view_func, '__module__', '') or '').rsplit('.', 1)[-1]
    return Operation(doc.splitlines()[0] if doc else module_doc)


def operation(endpoint, rule, view_func, version):
    """The OpenAPI operation object of one route and method."""
    spec = OPERATIONS.get(endpoint) or _fallback(view_func)
    public = auth.is_public(rule)
    op = {'operationId': endpoint, 'summary': spec.summary,
          'responses': _responses(spec.responses, public)}
    params = _path_params(rule)
    if spec.query is not None:
        params += query_params(spec.query(version))
    if params:
        op['parameters'] = params
    if spec.body is not None:
        op['requestBody'] = {'required': True, 'content': {
            'application/json': {'schema': copy.deepcopy(spec.body(version))}}}
    if public:
        op['security'] = []
    return op


def routed_operations(app):
    """(rule, method, endpoint) of every routed operation, HEAD/OPTIONS aside."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
            yield rule.rule, method, rule.endpoint


def document(app, *, base_url='/', version=microversion.MAX):
    """The OpenAPI document of ``app`` at microversion ``version`` (default: the maximum)."""
    paths = {}
    for rule, method, endpoint in routed_operations(app):
        view_func = app.view_functions[endpoint]
        paths.setdefault(openapi_path(rule), {})[method.lower()] = operation(
            endpoint, rule, view_func, version)
    return {
        'openapi': OPENAPI_VERSION,
        'info': {
            'title': 'Cepheid compute API (Nova-compatible)',
            'version': str(version),
            'description': (
                f'Microversions {microversion.MIN_VERSION} to {microversion.MAX_VERSION} via '
                f'the "{microversion.HEADER}: compute X.Y" header; this document describes '
                f'{version}.'),
        },
        'servers': [{'url': base_url.rstrip('/') or '/'}],
        'paths': paths,
        'components': {
            'securitySchemes': {'token': {'type': 'apiKey', 'in': 'header',
                                          'name': 'X-Auth-Token'}},
            'schemas': {'Fault': FAULT_SCHEMA},
        },
        'security': [{'token': []}],
    }
