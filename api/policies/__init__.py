"""Policy defaults in code, one module per resource; ``list_rules`` is the entry point."""

import itertools

from cepheid.api.policies import admin_actions
from cepheid.api.policies import aggregates
from cepheid.api.policies import availability_zones
from cepheid.api.policies import base
from cepheid.api.policies import extensions
from cepheid.api.policies import flavor_access
from cepheid.api.policies import flavor_extra_specs
from cepheid.api.policies import flavors
from cepheid.api.policies import hosts
from cepheid.api.policies import hypervisors
from cepheid.api.policies import instance_actions
from cepheid.api.policies import instance_usage_audit_log
from cepheid.api.policies import keypairs
from cepheid.api.policies import limits
from cepheid.api.policies import migrations
from cepheid.api.policies import quota_sets
from cepheid.api.policies import server_actions
from cepheid.api.policies import server_diagnostics
from cepheid.api.policies import server_external_events
from cepheid.api.policies import server_groups
from cepheid.api.policies import server_metadata
from cepheid.api.policies import server_password
from cepheid.api.policies import server_tags
from cepheid.api.policies import servers
from cepheid.api.policies import services
from cepheid.api.policies import simple_tenant_usage


def list_rules():
    """Every default rule (``oslo.policy.policies`` entry point ``cepheid``)."""
    return list(itertools.chain(
        base.list_rules(),
        servers.list_rules(),
        server_actions.list_rules(),
        admin_actions.list_rules(),
        instance_actions.list_rules(),
        instance_usage_audit_log.list_rules(),
        services.list_rules(),
        hypervisors.list_rules(),
        flavors.list_rules(),
        flavor_access.list_rules(),
        flavor_extra_specs.list_rules(),
        keypairs.list_rules(),
        availability_zones.list_rules(),
        server_password.list_rules(),
        server_diagnostics.list_rules(),
        limits.list_rules(),
        extensions.list_rules(),
        server_metadata.list_rules(),
        server_tags.list_rules(),
        server_external_events.list_rules(),
        aggregates.list_rules(),
        hosts.list_rules(),
        server_groups.list_rules(),
        quota_sets.list_rules(),
        migrations.list_rules(),
        simple_tenant_usage.list_rules(),
    ))
