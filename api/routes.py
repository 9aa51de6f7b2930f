"""Every URL of the REST API, on one screen."""

from cepheid.api.handlers import aggregates
from cepheid.api.handlers import availability_zones
from cepheid.api.handlers import extensions
from cepheid.api.handlers import flavor_access
from cepheid.api.handlers import flavor_extra_specs
from cepheid.api.handlers import flavors
from cepheid.api.handlers import hosts
from cepheid.api.handlers import hypervisors
from cepheid.api.handlers import identity
from cepheid.api.handlers import instance_actions
from cepheid.api.handlers import instance_usage_audit_log
from cepheid.api.handlers import keypairs
from cepheid.api.handlers import limits
from cepheid.api.handlers import migrations
from cepheid.api.handlers import openapi
from cepheid.api.handlers import quota_sets
from cepheid.api.handlers import server_actions
from cepheid.api.handlers import server_diagnostics
from cepheid.api.handlers import server_external_events
from cepheid.api.handlers import server_groups
from cepheid.api.handlers import server_metadata
from cepheid.api.handlers import server_password
from cepheid.api.handlers import server_tags
from cepheid.api.handlers import servers
from cepheid.api.handlers import services
from cepheid.api.handlers import simple_tenant_usage
from cepheid.api.handlers import versions

V = '/v2.1'
SERVER = V + '/servers/<server_id>'
FLAVOR = V + '/flavors/<flavor_id>'
SPECS = FLAVOR + '/os-extra_specs'
KEYPAIR = V + '/os-keypairs/<keypair_name>'
AGGREGATE = V + '/os-aggregates/<aggregate_id>'
HOST = V + '/os-hosts/<host_name>'

ROUTES = [
    ('/', 'GET', versions.root),
    (V, 'GET', versions.v21),
    (V + '/flavors', 'GET', flavors.index),
    (V + '/flavors/detail', 'GET', flavors.detail),
    (V + '/flavors', 'POST', flavors.create),
    (FLAVOR, 'GET', flavors.show),
    (FLAVOR, 'PUT', flavors.update),
    (FLAVOR, 'DELETE', flavors.delete),
    (FLAVOR + '/os-flavor-access', 'GET', flavor_access.index),
    (FLAVOR + '/action', 'POST', flavor_access.action),
    (SPECS, 'GET', flavor_extra_specs.index),
    (SPECS, 'POST', flavor_extra_specs.create),
    (SPECS + '/<key>', 'GET', flavor_extra_specs.show),
    (SPECS + '/<key>', 'PUT', flavor_extra_specs.update),
    (SPECS + '/<key>', 'DELETE', flavor_extra_specs.delete),
    (V + '/os-keypairs', 'GET', keypairs.index),
    (V + '/os-keypairs', 'POST', keypairs.create),
    (KEYPAIR, 'GET', keypairs.show),
    (KEYPAIR, 'DELETE', keypairs.delete),
    (V + '/servers', 'GET', servers.index),
    (V + '/servers', 'POST', servers.create),
    (V + '/servers/detail', 'GET', servers.detail),
    (SERVER, 'GET', servers.show),
    (SERVER, 'PUT', servers.update),
    (SERVER, 'DELETE', servers.delete),
    (SERVER + '/action', 'POST', server_actions.action),
    (SERVER + '/os-instance-actions', 'GET', instance_actions.index),
    (SERVER + '/os-instance-actions/<request_id>', 'GET', instance_actions.show),
    (V + '/os-server-external-events', 'POST', server_external_events.create),
    (V + '/os-services', 'GET', services.index),
    (V + '/os-hypervisors', 'GET', hypervisors.index),
    (V + '/os-hypervisors/detail', 'GET', hypervisors.detail),
    (V + '/os-hypervisors/statistics', 'GET', hypervisors.statistics),
    (V + '/os-hypervisors/<hypervisor_id>', 'GET', hypervisors.show),
    (V + '/os-hypervisors/<hypervisor_id>/uptime', 'GET', hypervisors.uptime),
    (V + '/os-hypervisors/<hostname_pattern>/search', 'GET', hypervisors.search),
    (V + '/os-hypervisors/<hostname_pattern>/servers', 'GET', hypervisors.servers),
    (V + '/os-services/<service_id>', 'PUT', services.update),
    (V + '/os-services/<service_id>', 'DELETE', services.delete),
    (SERVER + '/metadata', 'GET', server_metadata.index),
    (SERVER + '/metadata', 'POST', server_metadata.create),
    (SERVER + '/metadata', 'PUT', server_metadata.update_all),
    (SERVER + '/metadata/<key>', 'GET', server_metadata.show),
    (SERVER + '/metadata/<key>', 'PUT', server_metadata.update),
    (SERVER + '/metadata/<key>', 'DELETE', server_metadata.delete),
    (SERVER + '/tags', 'GET', server_tags.index),
    (SERVER + '/tags', 'PUT', server_tags.update_all),
    (SERVER + '/tags', 'DELETE', server_tags.delete_all),
    (SERVER + '/tags/<tag>', 'GET', server_tags.show),
    (SERVER + '/tags/<tag>', 'PUT', server_tags.update),
    (SERVER + '/tags/<tag>', 'DELETE', server_tags.delete),
    (SERVER + '/diagnostics', 'GET', server_diagnostics.show),
    (SERVER + '/os-server-password', 'GET', server_password.show),
    (SERVER + '/os-server-password', 'DELETE', server_password.clear),
    (V + '/limits', 'GET', limits.show),
    (V + '/extensions', 'GET', extensions.index),
    (V + '/extensions/<alias>', 'GET', extensions.show),
    (V + '/os-availability-zone', 'GET', availability_zones.index),
    (V + '/os-availability-zone/detail', 'GET', availability_zones.detail),
    (V + '/os-aggregates', 'GET', aggregates.index),
    (V + '/os-aggregates', 'POST', aggregates.create),
    (AGGREGATE, 'GET', aggregates.show),
    (AGGREGATE, 'PUT', aggregates.update),
    (AGGREGATE, 'DELETE', aggregates.delete),
    (AGGREGATE + '/action', 'POST', aggregates.action),
    (V + '/os-hosts', 'GET', hosts.index),
    (HOST, 'GET', hosts.show),
    (HOST, 'PUT', hosts.update),
    (HOST + '/reboot', 'GET', hosts.reboot),
    (HOST + '/shutdown', 'GET', hosts.shutdown),
    (HOST + '/startup', 'GET', hosts.startup),
    (V + '/os-server-groups', 'GET', server_groups.index),
    (V + '/os-server-groups', 'POST', server_groups.create),
    (V + '/os-server-groups/<server_group_id>', 'GET', server_groups.show),
    (V + '/os-server-groups/<server_group_id>', 'DELETE', server_groups.delete),
    (V + '/os-quota-sets/<tenant_id>', 'GET', quota_sets.show),
    (V + '/os-quota-sets/<tenant_id>', 'PUT', quota_sets.update),
    (V + '/os-quota-sets/<tenant_id>', 'DELETE', quota_sets.delete),
    (V + '/os-quota-sets/<tenant_id>/defaults', 'GET', quota_sets.defaults),
    (V + '/os-quota-sets/<tenant_id>/detail', 'GET', quota_sets.detail),
    (V + '/os-migrations', 'GET', migrations.index),
    (SERVER + '/migrations', 'GET', migrations.server_index),
    (SERVER + '/migrations/<migration_id>', 'GET', migrations.server_show),
    (SERVER + '/migrations/<migration_id>', 'DELETE', migrations.delete),
    (SERVER + '/migrations/<migration_id>/action', 'POST', migrations.force_complete),
    (V + '/os-simple-tenant-usage', 'GET', simple_tenant_usage.index),
    (V + '/os-simple-tenant-usage/<tenant_id>', 'GET', simple_tenant_usage.show),
    (V + '/os-instance_usage_audit_log', 'GET', instance_usage_audit_log.index),
    (V + '/os-instance_usage_audit_log/<before_timestamp>', 'GET',
     instance_usage_audit_log.show),
    ('/openapi.json', 'GET', openapi.show),
]


def endpoint(handler):
    return f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"


# A dev aid for clients that want Keystone (the nova CLI, `openstack server list`):
# routed only with [api] auth_strategy = noauth2.
NOAUTH2_IDENTITY_STUB = [
    ('/identity', 'GET', identity.versions),
    ('/identity/v3', 'GET', identity.v3),
    ('/identity/v3/auth/tokens', 'POST', identity.issue_token),
]


def register(app):
    routes = ROUTES
    if app.config['CEPHEID'].conf.api.auth_strategy == 'noauth2':
        routes = ROUTES + NOAUTH2_IDENTITY_STUB
    for rule, method, handler in routes:
        app.add_url_rule(rule, endpoint(handler), handler, methods=[method],
                         provide_automatic_options=False, strict_slashes=False)
