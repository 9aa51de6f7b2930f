"""Base rules the resource policies are built from (admin, project member, project reader)."""

from oslo_policy import policy

from cepheid.api import policy_plugins

# Before the first rule below is parsed (every policy module imports this one).
policy_plugins.defer()

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='Decides what is an administrator.'),
    policy.RuleDefault('project_member_api', 'role:member and project_id:%(project_id)s',
                       description='A member of the project that owns the resource.'),
    policy.RuleDefault('project_reader_api', 'role:reader and project_id:%(project_id)s',
                       description='A reader of the project that owns the resource.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       description='A project member, or an administrator.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       description='A project reader, or an administrator.'),
]


def rule(name, check_str, description, operations):
    """A DocumentedRuleDefault scoped to projects; ``operations`` are (method, path) pairs."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=['project'])


def list_rules():
    return rules
