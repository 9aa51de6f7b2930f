"""Policy of os-server-external-events: Nova's default, any admin (its callers are the
network, volume and bare-metal services, with an admin of any project)."""

from cepheid.api.policies import base

EVENTS = 'os_compute_api:os-server-external-events:%s'

rules = [
    base.rule(EVENTS % 'create', base.ADMIN, 'Create one or more external events',
              [('POST', '/os-server-external-events')]),
]


def list_rules():
    return rules
