"""Policies of os-instance_usage_audit_log (Nova's names; admin only)."""

from cepheid.api.policies import base

AUDIT_LOG = 'os_compute_api:os-instance-usage-audit-log:%s'

rules = [
    base.rule(AUDIT_LOG % 'list', base.ADMIN,
              'List all usage audits of the last completed audit period',
              [('GET', '/os-instance_usage_audit_log')]),
    base.rule(AUDIT_LOG % 'show', base.ADMIN,
              'List all usage audits of the audit period completed last before a time',
              [('GET', '/os-instance_usage_audit_log/{before_timestamp}')]),
]


def list_rules():
    return rules
