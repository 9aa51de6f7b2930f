"""Policy defaults in code, one module per resource; ``list_rules`` is the entry point."""

import itertools

from cepheid.api.policies import base, instance_actions, server_actions, servers, services


def list_rules():
    """Every default rule (``oslo.policy.policies`` entry point ``cepheid``)."""
    return list(itertools.chain(
        base.list_rules(),
        servers.list_rules(),
        server_actions.list_rules(),
        instance_actions.list_rules(),
        services.list_rules(),
    ))
